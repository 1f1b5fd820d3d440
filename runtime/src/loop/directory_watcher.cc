#include "loop/directory_watcher.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"

namespace meshup::internal {

std::string DirectoryFingerprint(const std::string& directory) {
  // open() + fdopendir() rather than opendir(): libuv closes descriptors with
  // a raw system call, so ThreadSanitizer, which sees no opendir() either,
  // would take the closedir() below for a race with the descriptor's last
  // user on a loop thread.
  const int fd = open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return "";
  DIR* dir = fdopendir(fd);
  if (dir == nullptr) {
    close(fd);
    return "";
  }
  std::vector<std::string> entries;
  while (dirent* entry = readdir(dir)) {
    const std::string name = entry->d_name;
    if (name == "." || name == "..") continue;
    struct stat info;
    if (stat(absl::StrCat(directory, "/", name).c_str(), &info) != 0) continue;
    if (!S_ISREG(info.st_mode)) {
      // Only its name and type: a FIFO, device or socket that appears is a
      // change (a reader refuses it), but its times mean nothing.
      entries.push_back(absl::StrCat(name, "|type ", info.st_mode & S_IFMT, "|", info.st_ino));
      continue;
    }
    entries.push_back(absl::StrCat(name, "|", info.st_size, "|", info.st_mtim.tv_sec, ".",
                                   info.st_mtim.tv_nsec, "|", info.st_ino));
  }
  closedir(dir);
  std::sort(entries.begin(), entries.end());
  std::string fingerprint = "dir:";
  for (const std::string& entry : entries) absl::StrAppend(&fingerprint, entry, "\n");
  return fingerprint;
}

struct DirectoryWatcher::State {
  std::string directory;
  std::function<void()> on_change;
  uint64_t debounce_ms;
  uint64_t poll_ms;
  std::string last_fingerprint;
  uv_fs_event_t event;
  uv_timer_t debounce;
  uv_timer_t poll;
  bool event_started = false;
  int open_handles = 0;

  void CheckNow() {
    std::string fingerprint = DirectoryFingerprint(directory);
    if (fingerprint == last_fingerprint) return;
    last_fingerprint = std::move(fingerprint);
    on_change();
  }
};

DirectoryWatcher::DirectoryWatcher(EventLoop& loop, std::string directory,
                                   std::function<void()> on_change, absl::Duration debounce,
                                   absl::Duration poll_interval)
    : loop_(loop), state_(new State) {
  state_->directory = std::move(directory);
  state_->on_change = std::move(on_change);
  state_->debounce_ms = static_cast<uint64_t>(absl::ToInt64Milliseconds(debounce));
  state_->poll_ms = std::max<uint64_t>(1, absl::ToInt64Milliseconds(poll_interval));
  // What is there now is the baseline: only later changes are reported.
  state_->last_fingerprint = DirectoryFingerprint(state_->directory);
  State* state = state_;
  loop_.RunAndWait([state](uv_loop_t* uv) {
    uv_timer_init(uv, &state->debounce);
    uv_timer_init(uv, &state->poll);
    state->debounce.data = state->poll.data = state->event.data = state;
    state->open_handles = 2;
    uv_timer_start(
        &state->poll, [](uv_timer_t* t) { static_cast<State*>(t->data)->CheckNow(); },
        state->poll_ms, state->poll_ms);
    uv_fs_event_init(uv, &state->event);
    ++state->open_handles;
    state->event_started =
        uv_fs_event_start(
            &state->event,
            [](uv_fs_event_t* e, const char*, int, int) {
              State* s = static_cast<State*>(e->data);
              uv_timer_start(
                  &s->debounce, [](uv_timer_t* t) { static_cast<State*>(t->data)->CheckNow(); },
                  s->debounce_ms, 0);
            },
            state->directory.c_str(), 0) == 0;
  });
}

DirectoryWatcher::~DirectoryWatcher() {
  State* state = state_;
  loop_.RunAndWait([state](uv_loop_t*) {
    auto on_closed = [](uv_handle_t* handle) {
      State* s = static_cast<State*>(handle->data);
      if (--s->open_handles == 0) delete s;
    };
    uv_close(reinterpret_cast<uv_handle_t*>(&state->event), on_closed);
    uv_close(reinterpret_cast<uv_handle_t*>(&state->debounce), on_closed);
    uv_close(reinterpret_cast<uv_handle_t*>(&state->poll), on_closed);
  });
}

}  // namespace meshup::internal
