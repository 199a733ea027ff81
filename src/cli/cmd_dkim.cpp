// `postino dkim generate DOMAIN SELECTOR [--algorithm rsa|ed25519]` and
// `postino dkim list`: the DKIM signing keys of this node's domains, as
// files under <data_dir>/dkim (see dkim/dkim_key_store.hpp). generate prints
// the DNS TXT record to publish at <selector>._domainkey.<domain>.
#include <CLI/CLI.hpp>

#include "cli/cli_context.hpp"
#include "cli/commands.hpp"
#include "dkim/dkim_key_store.hpp"

namespace postino::cli {
namespace {

// RFC 1035 3.3.14: one TXT character-string holds at most 255 octets; a
// longer record (RSA-2048) is several strings, concatenated by verifiers
// (RFC 6376 3.6.2.2).
std::string zone_line(const dkim::DkimKeyEntry& entry) {
  std::string out = entry.dns_name + ". IN TXT (";
  for (std::size_t i = 0; i < entry.dns_record.size(); i += 255) {
    out += " \"" + entry.dns_record.substr(i, 255) + "\"";
  }
  return out + " )";
}

Record entry_record(const dkim::DkimKeyEntry& entry, const std::filesystem::path& root) {
  return {{"domain", entry.domain},
          {"selector", entry.selector},
          {"algorithm", std::string(dkim::dkim_algorithm_name(entry.algorithm))},
          {"bits", static_cast<std::int64_t>(entry.bits)},
          {"active", entry.active},
          {"file", (root / entry.domain / (entry.selector + ".pem")).string()},
          {"dns_name", entry.dns_name},
          {"dns_record", entry.dns_record},
          {"zone_line", zone_line(entry)}};
}

int with_keys(CliContext& context, const std::function<Status(dkim::DkimKeyStore&)>& body) {
  auto config = context.config();
  if (!config) return context.out().fail(config.error());
  dkim::DkimKeyStore keys(std::filesystem::path((*config)->storage.data_dir) / dkim::kDkimKeyFolder);
  auto status = body(keys);
  if (!status) return context.out().fail(status.error());
  return 0;
}

struct GenerateOptions {
  std::string domain;
  std::string selector;
  std::string algorithm = "rsa";
};

}  // namespace

void register_dkim(CLI::App& app, CliContext& context, int& exit_code) {
  auto* cmd = app.add_subcommand("dkim", "DKIM signing keys (RFC 6376)");
  cmd->require_subcommand(1);

  auto options = std::make_shared<GenerateOptions>();
  auto* generate = cmd->add_subcommand("generate", "create a key, make it the domain's signing key, print its DNS record");
  generate->add_option("DOMAIN", options->domain, "signing domain (d=)")->required();
  generate->add_option("SELECTOR", options->selector, "selector (s=), e.g. 2025a")->required();
  generate->add_option("-a,--algorithm", options->algorithm, "rsa (2048 bits) or ed25519")
      ->check(CLI::IsMember({"rsa", "ed25519"}));
  generate->callback([&context, &exit_code, options] {
    exit_code = with_keys(context, [&](dkim::DkimKeyStore& keys) -> Status {
      auto algorithm = dkim::parse_dkim_algorithm(options->algorithm);
      if (!algorithm) return algorithm.take_error();
      auto entry = keys.generate(options->domain, options->selector, *algorithm);
      if (!entry) return entry.take_error();
      context.out().record(entry_record(*entry, keys.root()));
      return {};
    });
  });

  cmd->add_subcommand("list", "list the keys of every domain")->callback([&context, &exit_code] {
    exit_code = with_keys(context, [&](dkim::DkimKeyStore& keys) -> Status {
      auto entries = keys.list();
      if (!entries) return entries.take_error();
      std::vector<Record> rows;
      for (const auto& entry : *entries) rows.push_back(entry_record(entry, keys.root()));
      context.out().table({"domain", "selector", "algorithm", "bits", "active", "dns_name"}, rows);
      return {};
    });
  });
}

}  // namespace postino::cli
