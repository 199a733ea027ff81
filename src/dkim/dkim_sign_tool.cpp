// dkim_sign_tool: a test driver over the DKIM signer, for the dkimpy interop
// test (an independent verifier checks what we sign).
//   dkim_sign_tool genkey rsa|ed25519 KEYFILE      writes the PEM, prints the TXT record
//   dkim_sign_tool sign KEYFILE DOMAIN SELECTOR HCANON BCANON CHUNK < message > signed message
// CHUNK is the size of the pieces fed to the streaming signer.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>

#include "dkim/dkim_signer.hpp"

using namespace postino;
using namespace postino::dkim;

namespace {

int fail(const std::string& message) {
  std::cerr << "dkim_sign_tool: " << message << "\n";
  return 1;
}

DkimCanonicalization canon(std::string_view name) {
  return name == "simple" ? DkimCanonicalization::simple : DkimCanonicalization::relaxed;
}

}  // namespace

int main(int argc, char** argv) {
  std::string verb = argc > 1 ? argv[1] : "";
  if (verb == "genkey" && argc == 4) {
    auto algorithm = parse_dkim_algorithm(argv[2]);
    if (!algorithm) return fail(algorithm.error().message);
    auto key = generate_dkim_key(*algorithm);
    if (!key) return fail(key.error().message);
    std::ofstream(argv[3], std::ios::binary) << key->private_key_pem;
    std::cout << key->dns_txt_record << "\n";
    return 0;
  }
  if (verb == "sign" && argc == 8) {
    auto key = DkimPrivateKey::from_pem_file(argv[2]);
    if (!key) return fail(key.error().message);
    DkimSignerSettings settings;
    settings.header_canonicalization = canon(argv[5]);
    settings.body_canonicalization = canon(argv[6]);
    auto signer = DkimSigner::create(std::move(*key), argv[3], argv[4], settings);
    if (!signer) return fail(signer.error().message);
    std::size_t chunk = std::stoul(argv[7]);
    std::string message((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
    DkimMessageSigner stream(*signer);
    for (std::size_t i = 0; i < message.size(); i += chunk) {
      if (auto st = stream.update(std::string_view(message).substr(i, chunk)); !st) return fail(st.error().message);
    }
    auto header = stream.finish();
    if (!header) return fail(header.error().message);
    std::cout << *header << message;
    return 0;
  }
  return fail("usage: genkey rsa|ed25519 KEYFILE | sign KEYFILE DOMAIN SELECTOR HCANON BCANON CHUNK");
}
