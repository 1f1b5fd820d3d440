#include "util/read_mostly_ptr.h"

#include <atomic>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace meshup::internal {
namespace {

TEST(ReadMostlyPtrTest, LoadSeesTheLatestStore) {
  ReadMostlyPtr<const int> ptr(std::make_shared<const int>(1));
  EXPECT_EQ(*ptr.Load(), 1);
  EXPECT_EQ(*ptr.Load(), 1);  // from this thread's copy
  ptr.Store(std::make_shared<const int>(2));
  EXPECT_EQ(*ptr.Load(), 2);
}

TEST(ReadMostlyPtrTest, TwoObjectsKeepTheirOwnValuesOnOneThread) {
  ReadMostlyPtr<const int> a(std::make_shared<const int>(1));
  ReadMostlyPtr<const int> b(std::make_shared<const int>(2));
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(*a.Load(), 1);
    EXPECT_EQ(*b.Load(), 2);
  }
}

TEST(ReadMostlyPtrTest, AnObjectAtAReusedAddressIsNotMistakenForTheOldOne) {
  std::optional<ReadMostlyPtr<const int>> ptr;
  ptr.emplace(std::make_shared<const int>(1));
  EXPECT_EQ(*ptr->Load(), 1);
  ptr.reset();
  ptr.emplace(std::make_shared<const int>(2));  // same storage, so same address
  EXPECT_EQ(*ptr->Load(), 2);
}

TEST(ReadMostlyPtrTest, ReadersOnOtherThreadsSeeEveryStoreInOrder) {
  ReadMostlyPtr<const int> ptr(std::make_shared<const int>(0));
  constexpr int kLast = 2000;
  std::atomic<bool> failed{false};
  std::vector<std::thread> readers;
  for (int t = 0; t < 2; ++t) {
    readers.emplace_back([&] {
      int seen = 0;
      while (seen < kLast) {
        const int value = *ptr.Load();
        if (value < seen) failed = true;  // a value older than one already seen
        seen = value;
      }
    });
  }
  for (int i = 1; i <= kLast; ++i) ptr.Store(std::make_shared<const int>(i));
  for (std::thread& reader : readers) reader.join();
  EXPECT_FALSE(failed);
}

}  // namespace
}  // namespace meshup::internal
