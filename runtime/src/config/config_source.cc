#include "config/config_source.h"

#include <cstdio>
#include <utility>

#include "config/loader.h"

namespace meshup::config {

ConfigSource::ConfigSource() : current_(std::make_shared<const Snapshot>()) {}

ConfigSource::~ConfigSource() { watcher_.reset(); }

absl::StatusOr<std::unique_ptr<ConfigSource>> ConfigSource::Watch(const std::string& directory,
                                                                  internal::EventLoop& loop) {
  auto source = std::make_unique<ConfigSource>();
  source->directory_ = directory;
  absl::Status loaded = source->Reload();
  if (!loaded.ok()) return loaded;
  ConfigSource* raw = source.get();
  source->watcher_ = std::make_unique<internal::DirectoryWatcher>(loop, directory, [raw] {
    absl::Status status = raw->Reload();
    if (!status.ok()) {
      std::fprintf(stderr, "meshup: configuration update rejected, keeping the last good one: %s\n",
                   std::string(status.message()).c_str());
    }
  });
  return source;
}

absl::Status ConfigSource::Reload() {
  std::lock_guard<std::mutex> reload_lock(reload_mu_);
  absl::StatusOr<std::shared_ptr<const Snapshot>> loaded = LoadConfigDirectory(directory_, &parsed_files_);
  if (!loaded.ok()) {
    reload_failures_.fetch_add(1);
    std::lock_guard<std::mutex> lock(mu_);
    last_error_ = std::string(loaded.status().message());
    return loaded.status();
  }
  current_.Store(*loaded);
  generation_.fetch_add(1);
  std::vector<std::function<void(const std::shared_ptr<const Snapshot>&)>> listeners;
  {
    std::lock_guard<std::mutex> lock(mu_);
    last_error_.clear();
    listeners = listeners_;
  }
  for (const auto& listener : listeners) listener(*loaded);
  return absl::OkStatus();
}

void ConfigSource::OnSwap(std::function<void(const std::shared_ptr<const Snapshot>&)> listener) {
  std::lock_guard<std::mutex> lock(mu_);
  listeners_.push_back(std::move(listener));
}

std::string ConfigSource::last_error() const {
  std::lock_guard<std::mutex> lock(mu_);
  return last_error_;
}

}  // namespace meshup::config
