// A JSON-aware libFuzzer mutator for the targets whose input is a JSON document.
//
// Byte-level mutation almost never turns `"Running": true` into `"Running": "yes"`
// while keeping the rest valid JSON, yet type confusion is what these parsers meet
// most (a member of an unexpected type must be an Error, never a nlohmann exception).
// Half of the mutations therefore parse the input, replace one random node with a
// value of another type (or a copy of another node, or drop a member), and write the
// document back; the other half, and inputs that are not JSON, get libFuzzer's own.
// Text after the last NUL byte (the targets' extra argument) is kept as it is.
//
// Use: FUZZ_JSON_MUTATOR() once in a target's .cpp file.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

extern "C" size_t LLVMFuzzerMutate(std::uint8_t* data, size_t size, size_t max_size);

namespace fuzz {

inline void collect_nodes(nlohmann::json& j, std::vector<nlohmann::json*>& nodes, int depth) {
  nodes.push_back(&j);
  if (depth >= 32 || !(j.is_object() || j.is_array())) return;
  for (auto& child : j) collect_nodes(child, nodes, depth + 1);
}

inline size_t json_mutate(std::uint8_t* data, size_t size, size_t max_size, unsigned seed) {
  std::minstd_rand rng(seed);
  if (rng() % 2 == 0) return LLVMFuzzerMutate(data, size, max_size);
  std::string_view in(reinterpret_cast<const char*>(data), size);
  size_t nul = in.rfind('\0');
  std::string_view text = nul == std::string_view::npos ? in : in.substr(0, nul);
  std::string suffix(nul == std::string_view::npos ? std::string_view{} : in.substr(nul));
  nlohmann::json doc = nlohmann::json::parse(text, nullptr, false);
  if (doc.is_discarded()) return LLVMFuzzerMutate(data, size, max_size);

  std::vector<nlohmann::json*> nodes;
  collect_nodes(doc, nodes, 0);
  nlohmann::json& n = *nodes[rng() % nodes.size()];
  switch (rng() % 14) {
    case 0: n = nullptr; break;
    case 1: n = true; break;
    case 2: n = false; break;
    case 3: n = 0; break;
    case 4: n = -1; break;
    case 5: n = std::numeric_limits<std::uint64_t>::max(); break;
    case 6: n = std::numeric_limits<std::int64_t>::min(); break;
    case 7: n = 0.5; break;
    case 8: n = ""; break;
    case 9: n = nlohmann::json::array(); break;
    case 10: n = nlohmann::json::object(); break;
    case 11: n = *nodes[rng() % nodes.size()]; break;  // operator= copies first: an ancestor is fine
    case 12:
      if ((n.is_object() || n.is_array()) && !n.empty()) n.erase(n.begin());
      break;
    default:
      if (n.is_string()) {  // mutate the string's bytes
        std::string s = n.get<std::string>();
        size_t used = s.size();
        s.resize(used + 16);
        s.resize(LLVMFuzzerMutate(reinterpret_cast<std::uint8_t*>(s.data()), used, s.size()));
        n = s;
      } else if (n.is_number_integer()) {
        n = static_cast<std::int64_t>(n.get<std::uint64_t>() + rng() % 3 - 1);  // wraps, no UB
      }
      break;
  }
  std::string out = doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + suffix;
  if (out.size() > max_size) return LLVMFuzzerMutate(data, size, max_size);
  std::memcpy(data, out.data(), out.size());
  return out.size();
}

}  // namespace fuzz

#define FUZZ_JSON_MUTATOR()                                                                               \
  extern "C" size_t LLVMFuzzerCustomMutator(std::uint8_t* data, size_t size, size_t max_size, unsigned seed) { \
    return fuzz::json_mutate(data, size, max_size, seed);                                                 \
  }
