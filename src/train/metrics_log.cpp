#include "facenet/train/metrics_log.h"

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "facenet/core/fs.h"

namespace facenet::train {

MetricsLog::MetricsLog(std::string run_dir) : dir_(std::move(run_dir)) {}

void MetricsLog::resume(int64_t from_step) {
  rows_.clear();
  std::ifstream in(dir_ + "/metrics.jsonl");
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    const auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object()) continue;
    if (j.value("step", 0.0) >= static_cast<double>(from_step) && j.value("step", 0.0) > 0) continue;
    MetricRow row;
    for (const auto& [k, v] : j.items())
      if (v.is_number()) row.emplace_back(k, v.get<double>());
    rows_.push_back(std::move(row));
  }
}

void MetricsLog::add(MetricRow row) { rows_.push_back(std::move(row)); }

void MetricsLog::flush() const {
  std::vector<std::string> columns;
  for (const auto& row : rows_)
    for (const auto& [k, v] : row)
      if (std::find(columns.begin(), columns.end(), k) == columns.end()) columns.push_back(k);
  std::ostringstream csv, jsonl;
  for (std::size_t i = 0; i < columns.size(); ++i) csv << (i ? "," : "") << columns[i];
  csv << "\n";
  for (const auto& row : rows_) {
    nlohmann::json j = nlohmann::json::object();
    for (const auto& [k, v] : row) j[k] = v;
    jsonl << j.dump() << "\n";
    for (std::size_t i = 0; i < columns.size(); ++i) {
      if (i) csv << ",";
      for (const auto& [k, v] : row)
        if (k == columns[i]) {
          csv << v;
          break;
        }
    }
    csv << "\n";
  }
  write_file_atomic(dir_ + "/metrics.csv", csv.str());
  write_file_atomic(dir_ + "/metrics.jsonl", jsonl.str());
}

}  // namespace facenet::train
