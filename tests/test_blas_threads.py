"""The command line runs NumPy's BLAS on one thread unless the user says otherwise (issue 21): it
is set before NumPy loads, so OpenBLAS never starts a thread per core."""

import os
import subprocess
import sys

import pytest

from symconv.interface.cli import BLAS_THREADS, one_blas_thread

# After a command, the thread count of the OpenBLAS NumPy loaded (numpy's wheels bundle it as
# scipy_openblas); "none" when NumPy uses another BLAS.
PROBE = """
import ctypes
from symconv.interface.cli import main
try:
    main(["grad", "--input", "4x4", "--kernel", "2x2", "--wrt", "X"])
except SystemExit:
    pass
path = next((line.split()[-1] for line in open("/proc/self/maps") if "openblas" in line), None)
lib = ctypes.CDLL(path) if path else None
names = ("scipy_openblas_get_num_threads64_", "openblas_get_num_threads64_", "openblas_get_num_threads")
getter = next((getattr(lib, n) for n in names if lib is not None and hasattr(lib, n)), None)
print("threads", getter() if getter else "none")
"""


def blas_threads(**variables) -> str:
    environment = {k: v for k, v in os.environ.items() if k not in BLAS_THREADS}
    environment.update(variables)
    output = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True,
                            env=environment).stdout
    found = output.split("threads ")[-1].strip()
    if found == "none":
        pytest.skip("NumPy here does not use OpenBLAS")
    return found


@pytest.mark.skipif(not sys.platform.startswith("linux") or (os.cpu_count() or 1) < 2,
                    reason="reads /proc/self/maps; one core has one thread anyway")
def test_the_command_line_uses_one_blas_thread_unless_the_user_sets_one():
    assert blas_threads() == "1"
    assert blas_threads(OPENBLAS_NUM_THREADS="2") == "2"
    assert blas_threads(OMP_NUM_THREADS="2") == "2"  # any of the variables is the user's choice


def test_importing_symconv_and_its_command_line_loads_no_numpy():
    code = "import sys, symconv, symconv.interface.cli; print('numpy' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True).stdout.strip() == "False"


def test_a_variable_the_user_set_is_kept_and_the_others_left_unset():
    environment = {"MKL_NUM_THREADS": "4"}
    one_blas_thread(environment)
    assert environment == {"MKL_NUM_THREADS": "4"}
    empty: dict[str, str] = {}
    one_blas_thread(empty)
    assert empty == dict.fromkeys(BLAS_THREADS, "1")
