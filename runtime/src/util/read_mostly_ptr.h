// A shared_ptr that many threads read on hot paths and few threads replace,
// such as the configuration snapshot every call reads.
//
// Load() returns the value of the latest Store(). On the common path it takes
// no lock (std::atomic_load of a shared_ptr takes one of libstdc++'s pooled
// mutexes): each thread keeps a copy of the value it loaded last, with that
// value's version, and copies again, under a mutex, only after a Store().
// Versions are unique among all ReadMostlyPtr objects of one type, so a
// thread's copy is never taken for another object's value, even one at the
// same address. A thread's copy keeps its value alive until the thread loads
// another value or exits: hold plain data in it, not objects that own
// connections or threads.
#ifndef MESHUP_SRC_UTIL_READ_MOSTLY_PTR_H_
#define MESHUP_SRC_UTIL_READ_MOSTLY_PTR_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <utility>

namespace meshup::internal {

template <class T>
class ReadMostlyPtr {
 public:
  explicit ReadMostlyPtr(std::shared_ptr<T> value) { Store(std::move(value)); }
  ReadMostlyPtr(const ReadMostlyPtr&) = delete;
  ReadMostlyPtr& operator=(const ReadMostlyPtr&) = delete;

  std::shared_ptr<T> Load() const {
    thread_local Copy copy;
    const uint64_t version = version_.load(std::memory_order_acquire);
    if (copy.owner != this || copy.version != version) {
      std::lock_guard<std::mutex> lock(mu_);
      copy.owner = this;
      copy.version = version_.load(std::memory_order_relaxed);
      copy.value = value_;
    }
    return copy.value;
  }

  void Store(std::shared_ptr<T> value) {
    std::lock_guard<std::mutex> lock(mu_);
    value_ = std::move(value);
    version_.store(NextVersion(), std::memory_order_release);
  }

 private:
  struct Copy {
    const ReadMostlyPtr* owner = nullptr;
    uint64_t version = 0;
    std::shared_ptr<T> value;
  };

  static uint64_t NextVersion() {
    static std::atomic<uint64_t> next{1};
    return next.fetch_add(1, std::memory_order_relaxed);
  }

  mutable std::mutex mu_;
  std::shared_ptr<T> value_;  // guarded by mu_
  // The version of value_: written under mu_, read without it.
  std::atomic<uint64_t> version_{0};
};

}  // namespace meshup::internal

#endif  // MESHUP_SRC_UTIL_READ_MOSTLY_PTR_H_
