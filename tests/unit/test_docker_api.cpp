// Pure parsers over Docker Engine API bodies, and DOCKER_HOST handling.
#include <doctest/doctest.h>

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <thread>

#include <string>
#include <vector>

#include "ctrdbg/docker_api.hpp"
#include "ctrdbg/error.hpp"

using ctrdbg::api_error_message;
using ctrdbg::api_version_from_ping;
using ctrdbg::containers_with_prefix;
using ctrdbg::docker_socket_path;
using ctrdbg::Error;
using ctrdbg::InspectResult;
using ctrdbg::parse_container_inspect;
using ctrdbg::AmbiguousTarget;
using ctrdbg::EngineUnavailable;
using ctrdbg::resolve_via_docker_api;
using ctrdbg::rethrow_as;
using ctrdbg::rethrow_in_context;

namespace {

const std::string kId = "3f2a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8";

// A trimmed `GET /v1.43/containers/web/json` answer from a real engine.
const std::string kInspect = R"json({
  "Id": "3f2a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8",
  "Created": "2024-05-02T09:14:07.123456789Z",
  "Path": "nginx",
  "Args": ["-g", "daemon off;"],
  "State": {
    "Status": "running",
    "Running": true,
    "Paused": false,
    "Restarting": false,
    "OOMKilled": false,
    "Dead": false,
    "Pid": 48213,
    "ExitCode": 0,
    "Error": "",
    "StartedAt": "2024-05-02T09:14:08.001Z",
    "FinishedAt": "0001-01-01T00:00:00Z"
  },
  "Image": "sha256:9c7a54a9a43cca047013b82af109fe963fde787f63f9e016fdc3384500c2823d",
  "ResolvConfPath": "/var/lib/docker/containers/3f2a/resolv.conf",
  "Name": "/web",
  "RestartCount": 0,
  "Driver": "overlay2",
  "Platform": "linux",
  "HostConfig": {"NetworkMode": "bridge", "PidMode": "", "Privileged": false},
  "Mounts": [],
  "Config": {
    "Hostname": "3f2a1b2c3d4e",
    "Domainname": "",
    "User": "101:101",
    "AttachStdin": false,
    "Tty": false,
    "Env": [
      "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
      "NGINX_VERSION=1.25.5",
      "PKG_RELEASE=1~bookworm"
    ],
    "Cmd": ["nginx", "-g", "daemon off;"],
    "Image": "nginx:1.25",
    "Volumes": null,
    "WorkingDir": "/usr/share/nginx/html",
    "Entrypoint": ["/docker-entrypoint.sh"],
    "Labels": {"maintainer": "NGINX Docker Maintainers <docker-maint@nginx.com>"},
    "StopSignal": "SIGQUIT"
  },
  "NetworkSettings": {"IPAddress": "172.17.0.2", "Ports": {"80/tcp": null}}
})json";

// kInspect with `from` replaced by `to` (exactly once).
std::string with(const std::string& from, const std::string& to) {
  std::string s = kInspect;
  auto at = s.find(from);
  REQUIRE(at != std::string::npos);
  s.replace(at, from.size(), to);
  REQUIRE(s.find(from, at + to.size()) == std::string::npos);
  return s;
}

std::string inspect_error(const std::string& json) {
  try {
    parse_container_inspect(json);
  } catch (const Error& e) {
    CHECK(e.exit_code() == 125);
    return e.what();
  }
  FAIL("parse_container_inspect accepted a bad document");
  return {};
}

}  // namespace

TEST_CASE("docker inspect: fields of a running container") {
  InspectResult r = parse_container_inspect(kInspect);
  CHECK(r.target.engine == "docker");
  CHECK(r.target.id == kId);
  CHECK(r.target.short_id() == "3f2a1b2c3d4e");
  CHECK(r.target.name == "web");  // leading '/' removed
  CHECK(r.target.display() == "web (3f2a1b2c3d4e)");
  CHECK(r.target.pid == 48213);
  CHECK(r.state.pid == 48213);
  CHECK(r.state.status == "running");
  CHECK(r.state.running);
  CHECK_FALSE(r.state.paused);
  CHECK_FALSE(r.state.restarting);
  CHECK(r.target.env == std::vector<std::string>{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                                                  "NGINX_VERSION=1.25.5", "PKG_RELEASE=1~bookworm"});
  CHECK(r.target.working_dir == "/usr/share/nginx/html");
  CHECK(r.target.user == "101:101");
  CHECK(r.target.hostname == "3f2a1b2c3d4e");
  CHECK(r.target.image == "nginx:1.25");  // Config.Image, not the top-level sha256
}

TEST_CASE("docker inspect: HostConfig.GroupAdd, for -u") {
  std::string base = R"({"Id": ")" + kId + R"(", "Name": "/web", "State": {"Running": true, "Pid": 7})";
  auto group_add = [&](const std::string& host_config) { return parse_container_inspect(base + host_config + "}").target.group_add; };
  // Answered by the API: known, even when empty.
  CHECK(group_add("") == std::vector<std::string>{});
  CHECK(group_add(R"(, "HostConfig": {"GroupAdd": null})") == std::vector<std::string>{});
  CHECK(group_add(R"(, "HostConfig": {"GroupAdd": ["staff", "4242"]})") == std::vector<std::string>{"staff", "4242"});
  // Malformed: unknown (-u then reads hostconfig.json), never a failed inspect.
  CHECK_FALSE(group_add(R"(, "HostConfig": {"GroupAdd": "staff"})").has_value());
  CHECK_FALSE(group_add(R"(, "HostConfig": {"GroupAdd": [50]})").has_value());
  CHECK(parse_container_inspect(base + R"(, "HostConfig": {"GroupAdd": [50]}})").target.pid == 7);
}

TEST_CASE("docker inspect: paused / exited state flags") {
  InspectResult p = parse_container_inspect(
      with(R"("Status": "running",
    "Running": true,
    "Paused": false,)",
           R"("Status": "paused",
    "Running": true,
    "Paused": true,)"));
  CHECK(p.state.status == "paused");
  CHECK(p.state.running);
  CHECK(p.state.paused);

  InspectResult e = parse_container_inspect(
      with(R"("Status": "running",
    "Running": true,)",
           R"("Status": "exited",
    "Running": false,)"));
  CHECK(e.state.status == "exited");
  CHECK_FALSE(e.state.running);

  InspectResult r = parse_container_inspect(with("\"Restarting\": false", "\"Restarting\": true"));
  CHECK(r.state.restarting);
}

TEST_CASE("docker inspect: Pid 0 (stopped container) is accepted as 0") {
  InspectResult r = parse_container_inspect(with("\"Pid\": 48213", "\"Pid\": 0"));
  CHECK(r.target.pid == 0);
}

TEST_CASE("docker inspect: name without a leading slash; missing, empty or not a string is a broken answer") {
  CHECK(parse_container_inspect(with("\"Name\": \"/web\"", "\"Name\": \"web\"")).target.name == "web");
  // Docker names every container: without a name it is no container's answer.
  CHECK(inspect_error(with("\"Name\": \"/web\",", "")).find("\"Name\"") != std::string::npos);
  CHECK(inspect_error(with("\"Name\": \"/web\"", "\"Name\": 42")).find("\"Name\"") != std::string::npos);
  CHECK(inspect_error(with("\"Name\": \"/web\"", "\"Name\": null")).find("\"Name\"") != std::string::npos);
  CHECK(inspect_error(with("\"Name\": \"/web\"", "\"Name\": \"/\"")).find("\"Name\"") != std::string::npos);
  CHECK(inspect_error(with("\"Name\": \"/web\"", "\"Name\": [\"/web\"]")).find("\"Name\"") != std::string::npos);
}

TEST_CASE("docker inspect: absent or partial Config is tolerated") {
  std::string doc = R"({"Id": ")" + kId + R"(", "Name": "/db", "State": {"Status": "running", "Running": true, "Pid": 7}})";
  InspectResult r = parse_container_inspect(doc);
  CHECK(r.target.name == "db");
  CHECK(r.target.pid == 7);
  CHECK(r.target.env.empty());
  CHECK(r.target.working_dir.empty());
  CHECK(r.target.user.empty());
  CHECK(r.target.hostname.empty());
  CHECK(r.target.image.empty());

  std::string null_config = R"({"Id": ")" + kId + R"(", "Name": "/db", "State": {"Running": true, "Pid": 7}, "Config": null})";
  CHECK(parse_container_inspect(null_config).target.env.empty());

  // "Env": null (an image without ENV) and non-string entries are skipped.
  std::string odd = R"({"Id": ")" + kId +
                    R"(", "Name": "/db", "State": {"Pid": 7}, "Config": {"Env": null, "WorkingDir": "", "User": ""}})";
  InspectResult o = parse_container_inspect(odd);
  CHECK(o.target.env.empty());
  CHECK(o.target.working_dir.empty());
  std::string mixed = R"({"Id": ")" + kId + R"(", "Name": "/db", "State": {"Pid": 7}, "Config": {"Env": ["A=1", 5, null, "B=2"]}})";
  CHECK(parse_container_inspect(mixed).target.env == std::vector<std::string>{"A=1", "B=2"});
}

TEST_CASE("docker inspect: missing or malformed State") {
  std::string no_state = R"({"Id": ")" + kId + R"(", "Name": "/web"})";
  CHECK(inspect_error(no_state).find("State") != std::string::npos);
  std::string state_string = R"({"Id": ")" + kId + R"(", "Name": "/web", "State": "running"})";
  CHECK(inspect_error(state_string).find("State") != std::string::npos);
}

TEST_CASE("docker inspect: a state flag that is not a boolean is an Error (fuzz finding)") {
  // tests/fuzz/crashes/docker_api-state-running-not-bool.bin: json::value() threw nlohmann's type_error.
  std::string running_yes = R"({"Id": ")" + kId + R"(", "Name": "/db", "State": {"Running": "yes", "Pid": 1}})";
  CHECK(inspect_error(running_yes).find("\"Running\" is not a boolean") != std::string::npos);
  CHECK(inspect_error(with("\"Paused\": false", "\"Paused\": 0")).find("Paused") != std::string::npos);
  CHECK(inspect_error(with("\"Restarting\": false", "\"Restarting\": []")).find("Restarting") != std::string::npos);
  // Absent (or null) still reads as false.
  std::string bare = R"({"Id": ")" + kId + R"(", "Name": "/db", "State": {"Running": null, "Pid": 1}})";
  CHECK_FALSE(parse_container_inspect(bare).state.running);
}

TEST_CASE("docker inspect: bad Pid") {
  CHECK(inspect_error(with("\"Pid\": 48213", "\"Pid\": \"48213\"")).find("Pid") != std::string::npos);
  CHECK(inspect_error(with("\"Pid\": 48213,", "")).find("Pid") != std::string::npos);
  CHECK(inspect_error(with("\"Pid\": 48213", "\"Pid\": -1")).find("Pid") != std::string::npos);
  CHECK(inspect_error(with("\"Pid\": 48213", "\"Pid\": 482.13")).find("Pid") != std::string::npos);
  CHECK(inspect_error(with("\"Pid\": 48213", "\"Pid\": 99999999999")).find("Pid") != std::string::npos);
  CHECK(inspect_error(with("\"Pid\": 48213", "\"Pid\": null")).find("Pid") != std::string::npos);
  // The kernel's PID_MAX_LIMIT (2^22) itself is still plausible.
  CHECK(parse_container_inspect(with("\"Pid\": 48213", "\"Pid\": 4194304")).target.pid == 4194304);
}

TEST_CASE("docker inspect: bad Id") {
  CHECK(inspect_error(with(kId, kId.substr(0, 12))).find("Id") != std::string::npos);
  CHECK(inspect_error(with(kId, kId + "0")).find("Id") != std::string::npos);
  CHECK(inspect_error(with("\"" + kId + "\"", "42")).find("Id") != std::string::npos);
  CHECK(inspect_error(with("\"Id\": \"" + kId + "\",", "")).find("Id") != std::string::npos);
}

TEST_CASE("docker inspect: not JSON, or not an object") {
  CHECK(inspect_error("").find("JSON") != std::string::npos);
  CHECK(inspect_error("page not found").find("JSON") != std::string::npos);
  CHECK(inspect_error(kInspect.substr(0, kInspect.size() / 2)).find("JSON") != std::string::npos);
  CHECK_FALSE(inspect_error("[]").empty());
  CHECK_FALSE(inspect_error("null").empty());
  CHECK_FALSE(inspect_error("\"" + kId + "\"").empty());
}

TEST_CASE("api_version_from_ping") {
  CHECK(api_version_from_ping("1.41") == "1.41");
  CHECK(api_version_from_ping("1.24") == "1.24");
  CHECK(api_version_from_ping("1.4") == "1.4");
  CHECK(api_version_from_ping("").empty());
  CHECK(api_version_from_ping("abc").empty());
  CHECK(api_version_from_ping("1.").empty());
  CHECK(api_version_from_ping(".41").empty());
  CHECK(api_version_from_ping("x.1").empty());
  CHECK(api_version_from_ping("1.x").empty());
  CHECK(api_version_from_ping("141").empty());
  CHECK(api_version_from_ping("1.41.0").empty());
  CHECK(api_version_from_ping("1.41 ").empty());
  CHECK(api_version_from_ping("1.41/../x").empty());
  CHECK(api_version_from_ping("1.4444444").empty());  // more than 8 characters
}

TEST_CASE("containers_with_prefix") {
  const std::string list = R"json([
    {"Id": "3f2a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8", "Names": ["/web"],
     "Image": "nginx:1.25", "State": "running", "Status": "Up 2 hours"},
    {"Id": "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9", "Names": ["/cache"],
     "Image": "redis:7", "State": "running", "Status": "Up 2 hours"},
    {"Id": "3f29000000000000000000000000000000000000000000000000000000000000", "Names": ["/db"],
     "Image": "postgres:16", "State": "exited", "Status": "Exited (0) 3 days ago"},
    {"Id": "3f2a1b0000000000000000000000000000000000000000000000000000000000", "Names": [],
     "Image": "busybox", "State": "created", "Status": "Created"}
  ])json";
  CHECK(containers_with_prefix(list, "3f2") ==
        std::vector<std::string>{"3f2900000000 (db)", "3f2a1b000000", "3f2a1b2c3d4e (web)"});
  CHECK(containers_with_prefix(list, "3f2a1b") == std::vector<std::string>{"3f2a1b000000", "3f2a1b2c3d4e (web)"});
  CHECK(containers_with_prefix(list, "a1") == std::vector<std::string>{"a1b2c3d4e5f6 (cache)"});
  CHECK(containers_with_prefix(list, "ff").empty());
  CHECK(containers_with_prefix("[]", "3f").empty());
  CHECK_THROWS_AS(containers_with_prefix("{\"message\": \"x\"}", "3f"), Error);
  CHECK_THROWS_AS(containers_with_prefix("not json", "3f"), Error);
}

TEST_CASE("api_error_message") {
  CHECK(api_error_message(R"({"message":"No such container: x"})") == "No such container: x");
  CHECK(api_error_message("{\"message\": \"conflict: unable to remove\"}\n") == "conflict: unable to remove");
  CHECK(api_error_message("page not found\n") == "page not found");
  CHECK(api_error_message(R"({"error":"x"})") == R"({"error":"x"})");
  CHECK(api_error_message(R"({"message": 42})") == R"({"message": 42})");
  CHECK(api_error_message("").empty());
  std::string huge(1000, 'z');
  CHECK(api_error_message(huge) == std::string(200, 'z'));
}

TEST_CASE("docker_socket_path") {
  CHECK(docker_socket_path(nullptr) == "/var/run/docker.sock");
  CHECK(docker_socket_path("") == "/var/run/docker.sock");
  CHECK(docker_socket_path("unix:///x.sock") == "/x.sock");
  CHECK(docker_socket_path("unix:///run/user/1000/docker.sock") == "/run/user/1000/docker.sock");
  try {
    docker_socket_path("tcp://127.0.0.1:2375");
    FAIL("tcp:// accepted");
  } catch (const Error& e) {
    CHECK(e.exit_code() == 125);
    CHECK(std::string(e.what()).find("tcp://127.0.0.1:2375") != std::string::npos);
  }
  CHECK_THROWS_AS(docker_socket_path("ssh://user@host"), Error);
  CHECK_THROWS_AS(docker_socket_path("unix://"), Error);
  CHECK_THROWS_AS(docker_socket_path("/var/run/docker.sock"), Error);
}

namespace {

// A fake dockerd on a unix socket: each request is answered by the first route whose
// path prefix matches its request line, on as many keep-alive connections as asked.
struct FakeDockerd {
  std::string path = (std::filesystem::temp_directory_path() / ("ctrdbg-unit-dockerd-" + std::to_string(::getpid())))
                         .string();
  int listener = -1;
  std::vector<std::pair<std::string, std::string>> routes;  // request-line prefix, raw response
  std::string close_after;  // a request-line prefix: the connection is closed once it is answered
  std::atomic<int> requests{0};                             // request lines read so far
  std::thread server;

  explicit FakeDockerd(std::vector<std::pair<std::string, std::string>> r, std::string close = {})
      : routes(std::move(r)), close_after(std::move(close)) {
    ::unlink(path.c_str());
    listener = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    path.copy(addr.sun_path, sizeof addr.sun_path - 1);
    REQUIRE(::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    REQUIRE(::listen(listener, 4) == 0);
    server = std::thread([this] {
      for (;;) {
        int c = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
        if (c < 0) return;  // the listener was shut down
        std::string in;
        char buf[4096];
        for (;;) {
          size_t end = in.find("\r\n\r\n");
          if (end != std::string::npos) {
            std::string line = in.substr(0, in.find("\r\n"));
            in.erase(0, end + 4);
            ++requests;
            std::string answer = "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n";
            for (const auto& [prefix, response] : routes)
              if (line.starts_with(prefix)) {
                answer = response;
                break;
              }
            if (::write(c, answer.data(), answer.size()) < 0) break;
            if (!close_after.empty() && line.starts_with(close_after)) break;
            continue;
          }
          ssize_t n = ::read(c, buf, sizeof buf);
          if (n <= 0) break;
          in.append(buf, static_cast<size_t>(n));
        }
        ::close(c);
      }
    });
  }
  ~FakeDockerd() {
    ::shutdown(listener, SHUT_RDWR);
    server.join();
    ::close(listener);
    ::unlink(path.c_str());
  }
};

std::string json_response(int status, const std::string& reason, const std::string& body) {
  return "HTTP/1.1 " + std::to_string(status) + " " + reason +
         "\r\nContent-Type: application/json\r\nApi-Version: 1.41\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\n\r\n" + body;
}

}  // namespace

TEST_CASE("docker API: an ambiguous prefix is an AmbiguousTarget, also through the API's own answer") {
  // dockerd 20.10's answer to an inspect of a prefix two containers share.
  const std::string a(64, '8'), b = "8b" + std::string(62, '0');
  FakeDockerd d({{"GET /_ping", json_response(200, "OK", "OK")},
                 {"GET /containers/8/json", json_response(500, "Internal Server Error",
                                                                R"({"message":"Multiple IDs found with provided prefix: 8"})")},
                 {"GET /v1.41/containers/json", json_response(200, "OK",
                                                              R"([{"Id":")" + a + R"(","Names":["/one"]},)"
                                                              R"({"Id":")" + b + R"(","Names":["/two"]}])")}});
  try {
    resolve_via_docker_api("8", d.path, std::chrono::milliseconds(2000));
    FAIL("an ambiguous prefix was resolved");
  } catch (const AmbiguousTarget& e) {
    std::string m = e.what();
    CHECK(m.find("docker: ID prefix '8' is ambiguous") == 0);
    CHECK(m.find("888888888888 (one)") != std::string::npos);
    CHECK(m.find("8b0000000000 (two)") != std::string::npos);
    CHECK(e.exit_code() == 125);
  }
  // Not found stays a plain Error (not ambiguous, not "engine unavailable").
  FakeDockerd nf({{"GET /_ping", json_response(200, "OK", "OK")},
                  {"GET /containers/", json_response(404, "Not Found", R"({"message":"No such container: x"})")}});
  try {
    resolve_via_docker_api("x", nf.path, std::chrono::milliseconds(2000));
    FAIL("a missing container was resolved");
  } catch (const AmbiguousTarget&) {
    FAIL("not found was taken for an ambiguity");
  } catch (const EngineUnavailable&) {
    FAIL("not found was taken for an engine that cannot answer");
  } catch (const Error& e) {
    CHECK(std::string(e.what()).find("no container named 'x'") != std::string::npos);
  }
}

TEST_CASE("docker API: the waiting-time work runs once, after both requests have reached the engine") {
  const std::string id(64, 'a');
  FakeDockerd d({{"GET /_ping", json_response(200, "OK", "OK")},
                 {"GET /containers/web/json",
                  json_response(200, "OK",
                                R"({"Id":")" + id + R"(","Name":"/web","State":{"Status":"running","Running":true,"Pid":4242},)"
                                R"("Config":{"Env":["A=1"],"WorkingDir":"/srv"}})")}});
  int calls = 0;
  int seen_by_engine = -1;
  ctrdbg::Target t = resolve_via_docker_api("web", d.path, std::chrono::milliseconds(2000), [&] {
    ++calls;
    // Both requests left in one write before this ran: the engine gets them while we work.
    for (int i = 0; i < 2000 && d.requests.load() < 2; ++i) ::usleep(1000);
    seen_by_engine = d.requests.load();
  });
  CHECK(calls == 1);
  CHECK(seen_by_engine == 2);
  CHECK(t.pid == 4242);
  CHECK(t.name == "web");
  CHECK(t.working_dir == "/srv");

  // No engine to ask: the work is left to the caller (it is not run here).
  calls = 0;
  CHECK_THROWS_AS(resolve_via_docker_api("web", d.path + ".missing", std::chrono::milliseconds(2000), [&] { ++calls; }),
                  EngineUnavailable);
  CHECK(calls == 0);
}

TEST_CASE("rethrow_as keeps the type: EngineUnavailable, AmbiguousTarget, Error") {
  CHECK_THROWS_AS(rethrow_in_context(AmbiguousTarget("x"), "docker"), AmbiguousTarget);
  CHECK_THROWS_AS(rethrow_in_context(EngineUnavailable("x"), "docker"), EngineUnavailable);
  CHECK_THROWS_WITH(rethrow_in_context(Error("x", 126), "docker"), "docker: x");
  try {
    rethrow_as(Error("x", 126), "y");
  } catch (const AmbiguousTarget&) {
    FAIL("a plain Error became an AmbiguousTarget");
  } catch (const Error& e) {
    CHECK(e.exit_code() == 126);
    CHECK(std::string(e.what()) == "y");
  }
}

TEST_CASE("docker API: a broken answer is EngineUnavailable (the caller reads the disk); a verdict stays final") {
  const std::string id(64, 'c');
  const std::string ping = json_response(200, "OK", "OK");
  const std::string good = R"({"Id":")" + id + R"(","Name":"/web","State":{"Status":"running","Running":true,"Pid":4242}})";
  struct Case {
    const char* what;
    std::string inspect;  // the raw answer to GET /containers/web/json
    const char* says;     // in the message
  };
  const std::vector<Case> broken = {
      {"200, not JSON", json_response(200, "OK", "<html>gateway</html>"), "not valid JSON"},
      {"200, empty body", json_response(200, "OK", ""), "not valid JSON"},
      {"200, a JSON array", json_response(200, "OK", "[]"), "not a JSON object"},
      {"200, no State.Pid", json_response(200, "OK", R"({"Id":")" + id + R"(","Name":"/web","State":{"Running":true}})"),
       "State.Pid"},
      {"200, State.Pid a string",
       json_response(200, "OK", R"({"Id":")" + id + R"(","Name":"/web","State":{"Running":true,"Pid":"4242"}})"),
       "State.Pid"},
      {"200, no Id", json_response(200, "OK", R"({"Name":"/web","State":{"Running":true,"Pid":4242}})"), "Id"},
      {"200, Id a number",
       json_response(200, "OK", R"({"Id":42,"Name":"/web","State":{"Running":true,"Pid":4242}})"), "Id"},
      {"200, no Name", json_response(200, "OK", R"({"Id":")" + id + R"(","State":{"Running":true,"Pid":4242}})"),
       "Name"},
      {"200, Name an object",
       json_response(200, "OK", R"({"Id":")" + id + R"(","Name":{},"State":{"Running":true,"Pid":4242}})"), "Name"},
      {"truncated body", "HTTP/1.1 200 OK\r\nContent-Length: 500\r\n\r\n" + good.substr(0, 40), "truncated"},
      {"garbled status line", "HTTP/1.1 two hundred\r\n\r\n", "malformed HTTP status line"},
      {"not HTTP at all", "SSH-2.0-OpenSSH_9.2\r\n\r\n", "malformed HTTP status line"},
      {"a status the inspect never has", json_response(204, "No Content", ""), "HTTP 204"},
      {"HTTP 500", json_response(500, "Internal Server Error", R"({"message":"boom"})"), "boom"},
  };
  for (const auto& c : broken) {
    CAPTURE(c.what);
    // The server closes after its answer, so a truncated body ends rather than waits.
    FakeDockerd d({{"GET /_ping", ping}, {"GET /containers/web/json", c.inspect}}, "GET /containers/web/json");
    try {
      resolve_via_docker_api("web", d.path, std::chrono::milliseconds(1000));
      FAIL("a broken answer was taken");
    } catch (const EngineUnavailable& e) {
      std::string m = e.what();
      CHECK(m.find("docker API: ") == 0);
      CHECK(m.find(c.says) != std::string::npos);
      // -v says why the answer was passed over, the same way for HTTP and body faults.
      if (std::string(c.what) != "HTTP 500") CHECK(m.find("broken answer from " + d.path + ": ") != std::string::npos);
      CHECK(e.exit_code() == 125);
    } catch (const Error& e) {
      FAIL("a broken answer was taken as final: " << e.what());
    }
  }

  // Well-formed answers are verdicts: not EngineUnavailable.
  const std::vector<std::pair<std::string, const char*>> verdicts = {
      {json_response(404, "Not Found", R"({"message":"No such container: web"})"), "no container named 'web'"},
      {json_response(200, "OK", R"({"Id":")" + id + R"(","Name":"/web","State":{"Status":"exited","Running":false,"Pid":0}})"),
       "is not running (status: exited)"},
      {json_response(200, "OK", R"({"Id":")" + id + R"(","Name":"/web","State":{"Running":true,"Paused":true,"Pid":7}})"),
       "is paused"},
  };
  for (const auto& [answer, says] : verdicts) {
    CAPTURE(says);
    FakeDockerd d({{"GET /_ping", ping}, {"GET /containers/web/json", answer}});
    try {
      resolve_via_docker_api("web", d.path, std::chrono::milliseconds(1000));
      FAIL("a verdict was resolved");
    } catch (const EngineUnavailable& e) {
      FAIL("a verdict was taken for an engine that cannot answer: " << e.what());
    } catch (const Error& e) {
      CHECK(std::string(e.what()).find(says) != std::string::npos);
    }
  }
  FakeDockerd ok({{"GET /_ping", ping}, {"GET /containers/web/json", json_response(200, "OK", good)}});
  CHECK(resolve_via_docker_api("web", ok.path, std::chrono::milliseconds(1000)).pid == 4242);
}
