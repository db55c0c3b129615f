#include "facenet/tasks/run_eval.h"

#include <unordered_map>

#include "facenet/eval/embeddings_io.h"
#include "facenet/eval/evaluator.h"
#include "facenet/eval/report.h"

namespace facenet::tasks {
using namespace eval;

std::string run_eval_embeddings(const EvalConfig& config, const std::string& embeddings_file,
                                const std::string& out_dir) {
  const auto set = load_embeddings(embeddings_file);
  std::unordered_map<std::string, int64_t> have;
  for (std::size_t i = 0; i < set.images.size(); ++i) have.emplace(set.images[i], static_cast<int64_t>(i));
  const auto prepared = prepare_pairs(
      config, [&](const std::string& image) { return have.count(image) > 0; },
      "named in " + config.pairs + " (no embedding in " + embeddings_file + ")");
  auto report = evaluate_pairs(prepared.pairs, set, config);
  report.info.embeddings_file = embeddings_file;
  report.info.num_missing = prepared.num_missing;
  report.info.num_dropped_pairs = prepared.dropped_pairs;
  if (!out_dir.empty()) write_report(out_dir, report);
  return format_table(report);
}

}  // namespace facenet::tasks
