"""somas_dependencies(): the external repositories somas needs, all local.

A workspace that uses somas loads this once:

    local_repository(name = "somas", path = "/path/to/somas")
    load("@somas//:deps.bzl", "somas_dependencies")
    somas_dependencies()

Every repository resolves to a path on this machine (Debian's packages), so
nothing is downloaded. A repository the workspace already defines is kept.
"""

load("//third_party:local_rules_cc.bzl", "local_rules_cc")

def _stub_coverage_tools_impl(ctx):
    # `bazel test` references @remote_coverage_tools and would download it.
    ctx.file("BUILD", """package(default_visibility = ["//visibility:public"])

filegroup(name = "coverage_report_generator")

filegroup(name = "lcov_merger")
""")

_stub_coverage_tools = repository_rule(implementation = _stub_coverage_tools_impl)

def somas_dependencies():
    if not native.existing_rule("rules_cc"):
        # Debian's rules_cc 0.0.4, patched for Bazel 4.2.3.
        local_rules_cc(name = "rules_cc", path = "/usr/share/bazel/rules/cc")
    if not native.existing_rule("rules_java"):
        # Bazel's default Java toolchains reference @rules_java even for C++ builds.
        native.local_repository(name = "rules_java", path = "/usr/share/bazel/rules/java")
    if not native.existing_rule("remote_coverage_tools"):
        _stub_coverage_tools(name = "remote_coverage_tools")
    if not native.existing_rule("somas_system"):
        # Highway, zlib, nlohmann-json, GoogleTest, Google Benchmark from Debian's -dev packages.
        native.new_local_repository(
            name = "somas_system",
            build_file = str(Label("//third_party:system.BUILD")),
            path = "/usr",
        )
