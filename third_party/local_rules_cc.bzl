"""Repository rule: Debian's rules_cc made loadable by Debian's Bazel 4.2.3.

rules_cc 0.0.4 loads `use_cpp_toolchain` from @bazel_tools, which Bazel 4.2.3
does not have. This copies the rules and, in the two files that use it, replaces
the call with the toolchain type it returns.
"""

_PATCHED = [
    "cc/private/rules_impl/compiler_flag.bzl",
    "cc/private/rules_impl/cc_flags_supplier.bzl",
]

def _local_rules_cc_impl(ctx):
    result = ctx.execute(["cp", "-r", ctx.attr.path + "/.", "."])
    if result.return_code != 0:
        fail("cannot copy rules_cc from %s: %s" % (ctx.attr.path, result.stderr))
    for rel in _PATCHED:
        text = ctx.read(rel)
        text = text.replace(', "use_cpp_toolchain")', ")")
        text = text.replace("use_cpp_toolchain()", '["@bazel_tools//tools/cpp:toolchain_type"]')
        if "use_cpp_toolchain" in text:
            fail("rules_cc patch did not apply to " + rel)
        ctx.file(rel, text)

local_rules_cc = repository_rule(
    implementation = _local_rules_cc_impl,
    attrs = {"path": attr.string(mandatory = True)},
    local = True,
)
