// collect_garbage: two passes. Order matters: the row is deleted before the
// file (a crash in between leaves an orphan file, which the second pass
// removes), and files are listed before rows are read (a blob committed and
// referenced meanwhile is then seen as referenced, not as an orphan). Ids in
// `also_live` are skipped by both passes; a zero row of one keeps its row.
#include "store/blob_gc.hpp"

#include <algorithm>
#include <iterator>
#include <vector>

namespace postino {
namespace {

enum class FileOutcome { removed, kept_recent, absent };

Result<FileOutcome> remove_old_file(BlobStore& blobs, const BlobId& id, std::chrono::seconds min_age) {
  auto removed = blobs.remove_if_older(id, min_age);
  if (!removed) {
    if (removed.error().code == Errc::not_found) return FileOutcome::absent;
    return removed.take_error();
  }
  return *removed ? FileOutcome::removed : FileOutcome::kept_recent;
}

}  // namespace

Result<GcReport> collect_garbage(MetadataStore& metadata, BlobStore& blobs, std::chrono::seconds min_age,
                                 const std::vector<BlobId>& also_live) {
  GcReport report;
  BlobIndex& index = metadata.blobs();
  std::vector<BlobId> live = also_live;
  std::sort(live.begin(), live.end());
  auto is_live = [&](const BlobId& id) { return std::binary_search(live.begin(), live.end(), id); };

  auto unreferenced = index.unreferenced(min_age.count());
  if (!unreferenced) return unreferenced.take_error();
  for (const BlobId& id : *unreferenced) {
    if (is_live(id)) {
      ++report.kept_live;
      continue;
    }
    auto forgotten = index.forget_if_unreferenced(id);
    if (!forgotten) return forgotten.take_error();
    if (!*forgotten) continue;  // referenced again meanwhile
    auto outcome = remove_old_file(blobs, id, min_age);
    if (!outcome) return outcome.take_error();
    // A kept file (deduplicated against just now) has lost its row: the
    // writer's add_refs recreates it, or the orphan pass counts it.
    ++report.unreferenced_removed;
  }

  auto files = blobs.list();
  if (!files) return files.take_error();
  auto known = index.all_ids();
  if (!known) return known.take_error();
  // Both lists are sorted by id.
  std::vector<BlobId> orphans;
  std::set_difference(files->begin(), files->end(), known->begin(), known->end(), std::back_inserter(orphans));
  for (const BlobId& id : orphans) {
    if (is_live(id)) {
      ++report.kept_live;
      continue;
    }
    auto outcome = remove_old_file(blobs, id, min_age);
    if (!outcome) return outcome.take_error();
    if (*outcome == FileOutcome::removed) ++report.orphans_removed;
    if (*outcome == FileOutcome::kept_recent) ++report.kept_recent;
  }
  return report;
}

}  // namespace postino
