#include "side_by_side/repetitions.h"

#include <algorithm>
#include <cmath>

namespace meshup::bench {

int BalancedCycle(size_t count) {
  if (count <= 1) return 1;
  return static_cast<int>(count % 2 == 0 ? count : 2 * count);
}

std::vector<size_t> BalancedOrder(int repetition, size_t count) {
  std::vector<size_t> order;
  if (count == 0) return order;
  // Williams' construction: the first sequence is 0, 1, n-1, 2, n-2, ...;
  // sequence i adds i to each place (mod n). For an odd n every sequence
  // also runs reversed, which balances what follows what.
  const size_t index = static_cast<size_t>(std::max(0, repetition - 1)) %
                       static_cast<size_t>(BalancedCycle(count));
  const size_t shift = index % count;
  const bool reversed = index >= count;
  for (size_t place = 0; place < count; ++place) {
    const size_t base = place == 0       ? 0
                        : place % 2 == 1 ? (place + 1) / 2
                                         : count - place / 2;
    order.push_back((base + shift) % count);
  }
  if (reversed) std::reverse(order.begin(), order.end());
  return order;
}

double Median(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const size_t n = values.size();
  return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

namespace {

std::vector<double> Differences(const std::vector<double>& a, const std::vector<double>& b) {
  std::vector<double> differences;
  for (size_t i = 0; i < std::min(a.size(), b.size()); ++i) differences.push_back(a[i] - b[i]);
  return differences;
}

// P(Binomial(n, 1/2) = i), in logs so that large n do not overflow.
double BinomialHalf(size_t n, size_t i) {
  return std::exp(std::lgamma(n + 1.0) - std::lgamma(i + 1.0) - std::lgamma(n - i + 1.0) -
                  static_cast<double>(n) * std::log(2.0));
}

}  // namespace

double MedianDifference(const std::vector<double>& a, const std::vector<double>& b) {
  return Median(Differences(a, b));
}

std::optional<Interval> MedianDifferenceInterval(const std::vector<double>& a,
                                                 const std::vector<double>& b) {
  std::vector<double> differences = Differences(a, b);
  const size_t n = differences.size();
  // The largest k with P(X < k) <= 2.5%; `below` is P(X < k + 1).
  size_t k = 0;
  double below = BinomialHalf(n, 0);
  while (k < n / 2 && below <= 0.025) below += BinomialHalf(n, ++k);
  if (k == 0) return std::nullopt;
  std::sort(differences.begin(), differences.end());
  return Interval{differences[k - 1], differences[n - k]};
}

double MedianRatio(const std::vector<double>& a, const std::vector<double>& b) {
  std::vector<double> ratios;
  for (size_t i = 0; i < std::min(a.size(), b.size()); ++i) {
    if (b[i] != 0) ratios.push_back(a[i] / b[i]);
  }
  return Median(std::move(ratios));
}

}  // namespace meshup::bench
