// A "billion laughs" in YAML for the tests: 12 levels of 10 aliases each.
#ifndef MESHUP_TESTS_RUNTIME_CONFIG_ALIAS_BOMB_H_
#define MESHUP_TESTS_RUNTIME_CONFIG_ALIAS_BOMB_H_

#include <string>

namespace meshup::config {

// Line i + 1 anchors a list of 10 aliases of line i's list; the sixth line
// already stands for 10^6 scalars.
inline std::string AliasBomb() {
  std::string text = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (int i = 1; i < 12; ++i) {
    text += "a" + std::to_string(i) + ": &a" + std::to_string(i) + " [";
    for (int j = 0; j < 10; ++j) text += (j ? ", *a" : "*a") + std::to_string(i - 1);
    text += "]\n";
  }
  return text;
}

}  // namespace meshup::config

#endif  // MESHUP_TESTS_RUNTIME_CONFIG_ALIAS_BOMB_H_
