#include "side_by_side/repetitions.h"

#include <algorithm>

namespace meshup::bench {

std::vector<size_t> RotatedOrder(int repetition, size_t count) {
  std::vector<size_t> order;
  if (count == 0) return order;
  const size_t first = static_cast<size_t>(std::max(0, repetition - 1)) % count;
  for (size_t i = 0; i < count; ++i) order.push_back((first + i) % count);
  return order;
}

double Median(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const size_t n = values.size();
  return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

double MedianDifference(const std::vector<double>& a, const std::vector<double>& b) {
  std::vector<double> differences;
  for (size_t i = 0; i < std::min(a.size(), b.size()); ++i) differences.push_back(a[i] - b[i]);
  return Median(std::move(differences));
}

double MedianRatio(const std::vector<double>& a, const std::vector<double>& b) {
  std::vector<double> ratios;
  for (size_t i = 0; i < std::min(a.size(), b.size()); ++i) {
    if (b[i] != 0) ratios.push_back(a[i] / b[i]);
  }
  return Median(std::move(ratios));
}

}  // namespace meshup::bench
