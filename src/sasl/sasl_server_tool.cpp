// sasl_server_tool: a test driver that runs one server-side SASL exchange
// over stdin/stdout, for the interop test with an independent client
// (slixmpp's SASL mechanisms).
//   sasl_server_tool MECH USER PASSWORD [EXPORTER_HEX [ENDPOINT_HEX]]
// Input lines: "IR <b64>" or "NOIR" first, then one base64 answer per line
// ("*" cancels). Output lines: "C <b64>", "OK <authcid> <authzid> <b64|->",
// "NO <failure kind>". USER with PASSWORD is the only account.
#include <iostream>
#include <string>

#include "sasl/base64.hpp"
#include "sasl/sasl_mechanism.hpp"

using namespace postino::sasl;

namespace {

std::string from_hex(const std::string& hex) {
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) out += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::cerr << "usage: sasl_server_tool MECH USER PASSWORD [EXPORTER_HEX [ENDPOINT_HEX]]\n";
    return 2;
  }
  std::string mech_name = argv[1], user = argv[2], password = argv[3];
  ChannelBindingData binding;
  if (argc > 4) {
    binding.tls_exporter = from_hex(argv[4]);
    binding.plus_offered = true;
  }
  if (argc > 5) binding.tls_server_end_point = from_hex(argv[5]);
  ScramServerOptions options;
  options.fake_salt_secret = "sasl_server_tool fake salt secret";
  auto secrets = scram_secrets_from_password(password, 4096);
  if (!secrets) return 2;

  std::unique_ptr<SaslServerMechanism> mech;
  if (mech_name == "PLAIN") mech = make_plain_server();
  else if (mech_name == "LOGIN") mech = make_login_server();
  else if (mech_name == "SCRAM-SHA-256") mech = make_scram_sha256_server(options, binding);
  else if (mech_name == "SCRAM-SHA-256-PLUS") mech = make_scram_sha256_plus_server(options, binding);
  else return 2;

  std::string line;
  if (!std::getline(std::cin, line)) return 2;
  SaslStep step;
  if (line == "NOIR") {
    step = mech->start(std::nullopt);
  } else if (line.rfind("IR ", 0) == 0) {
    auto decoded = base64_decode(line.substr(3));
    if (!decoded) {
      std::cout << "NO bad_base64" << std::endl;
      return 0;
    }
    step = mech->start(*decoded);
  } else {
    return 2;
  }
  while (true) {
    if (auto* check = std::get_if<SaslNeedPasswordCheck>(&step)) {
      step = mech->password_checked(check->authcid == user && check->password == password);
    } else if (auto* need = std::get_if<SaslNeedScramCredentials>(&step)) {
      step = mech->scram_credentials_found(need->authcid == user ? std::optional(*secrets) : std::nullopt);
    } else if (auto* challenge = std::get_if<SaslChallenge>(&step)) {
      std::cout << "C " << base64_encode(challenge->data) << std::endl;
      if (!std::getline(std::cin, line)) return 2;
      if (line == "*") {
        step = mech->cancel();
        continue;
      }
      auto decoded = base64_decode(line);
      if (!decoded) {
        std::cout << "NO bad_base64" << std::endl;
        return 0;
      }
      step = mech->step(*decoded);
    } else if (auto* ok = std::get_if<SaslSuccess>(&step)) {
      std::cout << "OK " << ok->authcid << " " << ok->authzid << " "
                << (ok->server_final ? base64_encode(*ok->server_final) : "-") << std::endl;
      return 0;
    } else {
      std::cout << "NO " << sasl_failure_kind_name(std::get<SaslFailure>(step).kind) << std::endl;
      return 0;
    }
  }
}
