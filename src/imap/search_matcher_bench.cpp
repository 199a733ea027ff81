// Measures SEARCH BODY/TEXT (run_search) on one mailbox stored with the
// text index and the same messages stored without it (every message read
// and decoded), plus what indexing costs at delivery. Not a test: it prints
// times and asserts nothing.
// Usage: imap_search_bench [messages=5000]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <random>

#include "imap/search_matcher.hpp"
#include "mime/search_text.hpp"
#include "mime/structure_parser.hpp"
#include "store/metadata_store.hpp"
#include "store/test_temp_dir.hpp"

using namespace postino;
using namespace postino::imap;
using Clock = std::chrono::steady_clock;

namespace {

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// About 3 KB of text/plain from a skewed vocabulary, with "needle{i}"
// unique to each message and "commonword" in one of ten.
std::string make_message(std::size_t i, const std::vector<std::string>& vocabulary, std::mt19937& random) {
  std::string body;
  while (body.size() < 3000) {
    const double u = std::uniform_real_distribution<double>(0, 1)(random);
    body += vocabulary[static_cast<std::size_t>(u * u * u * static_cast<double>(vocabulary.size()))];
    body += body.size() % 70 < 8 ? "\r\n" : " ";
  }
  if (i % 10 == 0) body += " commonword";
  body += " needle" + std::to_string(i) + "x\r\n";
  return "From: Sender " + std::to_string(i) + " <s" + std::to_string(i) +
         "@remote.example>\r\nTo: bob@example.test\r\nSubject: message " + std::to_string(i) +
         "\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + body;
}

}  // namespace

int main(int argc, char** argv) {
  const std::size_t count = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 5000;
  postino::testing::TempDir dir;
  StoreSettings settings;
  settings.data_dir = dir.path();
  auto metadata = open_metadata_store(settings);
  auto blobs = open_blob_store(settings);
  if (!metadata || !blobs) {
    std::fprintf(stderr, "cannot open the store\n");
    return 1;
  }
  (void)(*metadata)->directory().add_domain("example.test");
  auto account = (*metadata)->directory().add_account(NewAccount{"bob@example.test", "{hash}"});
  if (!account) return 1;

  std::mt19937 random(42);
  std::vector<std::string> vocabulary;
  for (int w = 0; w < 5000; ++w) {
    std::string word;
    const int length = 2 + static_cast<int>(random() % 8);
    for (int c = 0; c < length; ++c) word += static_cast<char>('a' + random() % 26);
    vocabulary.push_back(word);
  }

  double index_ms = 0;
  double plain_ms = 0;
  double extract_ms = 0;
  MailboxId indexed{};
  MailboxId plain{};
  constexpr std::size_t kBatch = 100;
  for (std::size_t first = 0; first < count; first += kBatch) {
    std::vector<Delivery> with_text;
    std::vector<Delivery> without_text;
    for (std::size_t i = first; i < std::min(count, first + kBatch); ++i) {
      const std::string message = make_message(i, vocabulary, random);
      auto blob = (*blobs)->put(message);
      if (!blob) return 1;
      Delivery d;
      d.account = account->id;
      d.blob = *blob;
      d.internal_date = 1790000000;
      const auto extract_start = Clock::now();
      const mime::MessageStructure structure = mime::StructureParser::parse(message);
      d.mime_structure = structure.serialize();
      mime::SearchText text = mime::message_search_text(message, structure);
      extract_ms += ms_since(extract_start);
      d.mailbox = "Plain";
      without_text.push_back(d);
      d.mailbox = "Indexed";
      d.search_header = std::move(text.header);
      d.search_body = std::make_shared<const std::string>(std::move(text.body));
      with_text.push_back(std::move(d));
    }
    auto start = Clock::now();
    auto stored = (*metadata)->mailboxes().deliver(without_text);
    plain_ms += ms_since(start);
    start = Clock::now();
    auto stored_indexed = (*metadata)->mailboxes().deliver(with_text);
    index_ms += ms_since(start);
    if (!stored.front() || !stored_indexed.front()) {
      std::fprintf(stderr, "delivery failed\n");
      return 1;
    }
    plain = stored.front()->mailbox;
    indexed = stored_indexed.front()->mailbox;
  }
  std::printf("%zu messages of ~3 KB text: store %.1f ms without text, %.1f ms with (index), extraction %.1f ms\n",
              count, plain_ms, index_ms, extract_ms);

  SearchInput input;
  for (std::uint32_t seq = 1; seq <= count; ++seq) {
    input.messages.push_back(SearchInput::Message{seq, imap::ViewMessage{Uid{seq}, 1, {}, false}, false});
  }
  input.exists = static_cast<std::uint32_t>(count);
  input.last_uid = Uid{input.exists};
  for (auto [kind, needle] : {std::pair{SearchKeyKind::body, std::string("needle4242x")},
                              std::pair{SearchKeyKind::body, std::string("commonword")},
                              std::pair{SearchKeyKind::text, std::string("message 4242")}}) {
    SearchKey key;
    key.kind = kind;
    key.text = needle;
    for (auto [mailbox, name] : {std::pair{indexed, "index"}, std::pair{plain, "scan"}}) {
      const auto start = Clock::now();
      auto found = imap::run_search((*metadata)->mailboxes(), **blobs, mailbox, key, input);
      const double elapsed = ms_since(start);
      std::printf("%s %-12s %-5s %8.1f ms  %zu found\n", kind == SearchKeyKind::body ? "BODY" : "TEXT",
                  needle.c_str(), name, elapsed, found ? found->size() : 0);
    }
  }
  return 0;
}
