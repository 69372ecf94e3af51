// libFuzzer target: Docker image store parsers (include/ctrdbg/image_store.hpp):
// parse_repositories_json, normalize_image_reference, image_tags_of,
// parse_image_diff_ids, parse_layer_digest, parse_cache_id, and build_layer_chain.
//
// Every text parser gets the whole input; normalize_image_reference also gets the
// first line and the text after the last NUL (the reference for image_tags_of).
// build_layer_chain gets diff IDs and layerdb records decoded from the input bytes
// over a small pool of digests (so that chains connect, fork and break), shaped as
// find_file_in_docker_image builds them: chain IDs and diffs are sha256 digests,
// parents a digest or "".
//
// Invariants checked: a normalized reference normalizes to itself; digests and
// cache IDs that parse are what they claim; a chain that builds has one layer per
// diff ID, each a record with that diff whose parent is the layer below.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ctrdbg/image_store.hpp"
#include "fuzz_common.hpp"
#include "fuzz_json_mutator.hpp"

FUZZ_JSON_MUTATOR()

namespace {

std::string digest(unsigned i) { return "sha256:" + std::string(64, "0123456789abcdef"[i % 16]); }

void check_normalize(std::string_view ref) {
  fuzz::run([&] {
    std::string n = ctrdbg::normalize_image_reference(ref);
    FUZZ_CHECK(!n.empty(), "normalized to nothing");
    std::string again;
    try {
      again = ctrdbg::normalize_image_reference(n);
    } catch (const ctrdbg::Error& e) {
      FUZZ_CHECK(false, "normalized '%s' is refused: %s", n.c_str(), e.what());
    }
    FUZZ_CHECK(again == n, "not idempotent: '%s' -> '%s'", n.c_str(), again.c_str());
    if (ref.starts_with("sha256:")) FUZZ_CHECK(ctrdbg::is_sha256_digest(n), "image ID became '%s'", n.c_str());
  });
}

void fuzz_layer_chain(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return;
  size_t pos = 0;
  auto next = [&]() -> unsigned { return pos < size ? data[pos++] : 0u; };
  std::vector<std::string> diff_ids(next() % 8);
  for (auto& d : diff_ids) d = digest(next() % 6);
  std::vector<ctrdbg::LayerRecord> records;
  while (pos + 3 <= size && records.size() < 32) {
    ctrdbg::LayerRecord r;
    r.chain_id = digest(next() % 10);
    r.diff_id = digest(next() % 6);
    unsigned p = next() % 11;
    r.parent = p == 10 ? "" : digest(p);
    records.push_back(r);
  }
  fuzz::run([&] {
    auto chain = ctrdbg::build_layer_chain(diff_ids, records, "/var/lib/docker/image/overlay2/layerdb/sha256");
    FUZZ_CHECK(chain.size() == diff_ids.size(), "%zu layers for %zu diff IDs", chain.size(), diff_ids.size());
    for (size_t i = 0; i < chain.size(); ++i) {
      bool ok = false;
      for (const auto& r : records)
        ok = ok || (r.chain_id == chain[i] && r.diff_id == diff_ids[i] && r.parent == (i == 0 ? "" : chain[i - 1]));
      FUZZ_CHECK(ok, "layer %zu (%s) is no record with diff %s on %s", i, chain[i].c_str(), diff_ids[i].c_str(),
                 i == 0 ? "nothing" : chain[i - 1].c_str());
    }
  });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in = fuzz::bytes(data, size);
  const auto split = fuzz::split_last_nul(in, "busybox");
  const std::string_view text = split.first, ref = split.second;

  fuzz::run([&] {
    ctrdbg::ImageRepositories repos = ctrdbg::parse_repositories_json(text);
    for (const auto& [repo, refs] : repos)
      for (const auto& [r, id] : refs) FUZZ_CHECK(ctrdbg::is_sha256_digest(id), "image ID '%s'", id.c_str());
    for (std::string_view want : {ref, std::string_view("busybox")}) {
      fuzz::run([&] {
        auto tags = ctrdbg::image_tags_of(repos, want);
        for (const auto& t : tags) FUZZ_CHECK(t.find('@') == std::string::npos, "digest reference '%s' as a tag", t.c_str());
      });
    }
    size_t n = 0;
    for (const auto& [repo, refs] : repos) {
      if (++n > 8) break;
      check_normalize(repo);
      for (const auto& [r, id] : refs) check_normalize(r);
    }
  });

  check_normalize(in);
  check_normalize(in.substr(0, in.find('\n')));
  check_normalize(ref);

  fuzz::run([&] {
    auto ids = ctrdbg::parse_image_diff_ids(text);
    for (const auto& id : ids) FUZZ_CHECK(ctrdbg::is_sha256_digest(id), "diff ID '%s'", id.c_str());
  });
  fuzz::run([&] {
    std::string d = ctrdbg::parse_layer_digest(in);
    FUZZ_CHECK(ctrdbg::is_sha256_digest(d), "layer digest '%s'", d.c_str());
  });
  fuzz::run([&] {
    std::string id = ctrdbg::parse_cache_id(in);  // joined into <data_root>/overlay2/<id>/diff
    FUZZ_CHECK(!id.empty() && id != "." && id != ".." && id.find('/') == std::string::npos &&
                   id.find('\0') == std::string::npos,
               "cache-id '%s' unsafe in a path", id.c_str());
  });
  fuzz_layer_chain(data, size);
  return 0;
}
