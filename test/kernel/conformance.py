"""The Jupyter project's kernel conformance suite (jupyter_kernel_test) against the spikelab
kernel, with every sample attribute the suite reads filled in. Run by conformance.test.ts with
Debian's python3 and JUPYTER_PATH pointing at a freshly installed kernelspec."""

import unittest

import jupyter_kernel_test

NET = "network tiny (input 1x4x4) {\n  flatten\n  dense 3\n}"


class SpikelabKernelTests(jupyter_kernel_test.KernelTests):
    kernel_name = "spikelab"
    language_name = "spikelab"
    file_extension = ".snn"

    code_hello_world = 'print "hello, world"'
    code_stderr = 'warn "careful: a warning"'
    code_clear_output = 'print "soon gone"\nclear'

    completion_samples = [
        {"text": "netw", "matches": {"network"}},
        {"text": "x = 1\nnetwork a (input 1x4x4) {\n  den", "matches": {"dense"}},
    ]

    complete_code_samples = ['print "hi"', "x = 1 + 2", NET]
    incomplete_code_samples = ["network a (input 1x4x4) {", "x = [1, 2", "x = 1 +"]
    invalid_code_samples = ["}", "x = 1 )"]

    code_page_something = "?network"

    code_generate_error = "an_unknown_name"

    code_execute_result = [
        {"code": "1 + 2", "result": "3"},
        {"code": "x = 6 * 7\nx", "result": "42"},
        {"code": NET + "\ntiny", "mime": "text/html"},
    ]

    code_display_data = [
        {"code": NET + "\ntable tiny", "mime": "text/html"},
        {"code": NET + "\ntable tiny", "mime": "text/markdown"},
    ]

    code_history_pattern = "1 + 2*"
    supported_history_operations = ("tail", "range", "search")

    code_inspect_sample = "network"


if __name__ == "__main__":
    unittest.main(verbosity=2)
