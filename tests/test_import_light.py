"""Framework boundaries: `import book_utils` and its framework-free modules import neither
TensorFlow nor PyTorch; TensorFlow modules never import PyTorch, and the other way round.
The family packages (book_utils.gan, .vae, .arm) import no framework until a name that needs
one is used, so their NumPy-only modules import without TensorFlow or PyTorch."""

import subprocess
import sys

FAMILIES = ["book_utils.gan", "book_utils.vae", "book_utils.arm"]
NUMPY_ONLY_IN_FAMILIES = [
    "book_utils.gan.math", "book_utils.gan.modes", "book_utils.gan.clusters", "book_utils.vae.math",
    "book_utils.arm.math", "book_utils.arm.text", "book_utils.arm.grammar",
    "book_utils.gan.config", "book_utils.vae.config", "book_utils.arm.config",
    "book_utils.vae.latent", "book_utils.vae.explorer", "book_utils.arm.textstats", "book_utils.arm.control",
    "book_utils.arm.tokens",
    "book_utils.apps", "book_utils.apps.ising", "book_utils.apps.anomaly", "book_utils.apps.augment",
    "book_utils.apps.detect", "book_utils.apps.bias", "book_utils.metrics.cost",
    "book_utils.tools.side_by_side", "book_utils.bench.machine",
]
FRAMEWORK_FREE = [
    "book_utils", "book_utils.data", "book_utils.data.download", "book_utils.data.idx",
    "book_utils.data.corpus", "book_utils.repro", "book_utils.profiles", "book_utils.plotting",
    "book_utils.progress", "book_utils.runs", "book_utils.source", "book_utils.cli", "book_utils.metrics",
    "book_utils.baselines", "book_utils.basics", "book_utils.basics.toy", "book_utils.basics.classic",
    "book_utils.basics.samplers", "book_utils.basics.tiny_data", "book_utils.notebook", "book_utils.lazy",
    "book_utils.errors", "book_utils.runs.lifecycle", "book_utils.nbrun", "book_utils.smoke",
    "book_utils.site", "book_utils.site.toc", "book_utils.site.build", "book_utils.site.check",
    "book_utils.site.selftest", "book_utils.site.pins", *FAMILIES,
    "book_utils.tools",
    *NUMPY_ONLY_IN_FAMILIES,
    "book_utils.tools.hf_offline", "book_utils.tools.hf_tokenizer", "book_utils.tools.hf_files",
    "book_utils.student", "book_utils.basics.faq", "book_utils.glossary",
]
TENSORFLOW_ONLY = ["book_utils.gan.training", "book_utils.gan.run", "book_utils.gan.augment",
                   "book_utils.tools.keras_vae",
                   "book_utils.gan.toy", "book_utils.basics.tiny_tf", "book_utils.gan.distributed"]
TORCH_ONLY = ["book_utils.runs.torch_io", "book_utils.vae.run", "book_utils.vae.toy", "book_utils.arm.run",
              "book_utils.runs.distributed",
              "book_utils.arm.made", "book_utils.arm.charmodel", "book_utils.arm.transformer",
              "book_utils.arm.sampling", "book_utils.basics.tiny_torch", "book_utils.vae.conditional",
              "book_utils.arm.decoding", "book_utils.apps.texture", "book_utils.apps.conditional",
              "book_utils.arm.scaling", "book_utils.apps.multimodal",
              "book_utils.apps.canary", "book_utils.apps.watermark",
              "book_utils.tools.torch_tools",
              "book_utils.tools.hf_port", "book_utils.tools.hf_train", "book_utils.tools.hf_accel",
              "book_utils.arm.personalise"]


def frameworks_after(code: str) -> list[str]:
    code = ("import sys\n" + code
            + "print(' '.join(sorted(m for m in ('tensorflow', 'torch') if m in sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return out.split()


def frameworks_after_importing(modules: list[str]) -> list[str]:
    return frameworks_after("".join(f"import {m}\n" for m in modules))


def resolve_all(package: str) -> str:
    """Code that reads every public name of a family package (each loads lazily)."""
    return f"import {package} as pkg\nfor name in pkg.__all__:\n    getattr(pkg, name)\n"


def test_core_modules_import_no_framework():
    assert frameworks_after_importing(FRAMEWORK_FREE) == []


def test_family_packages_and_their_numpy_modules_import_no_framework():
    for module in FAMILIES + NUMPY_ONLY_IN_FAMILIES:
        assert frameworks_after_importing([module]) == [], module


def test_family_packages_are_lazy():
    # attribute access to a NumPy-only submodule and dir() load no framework; dir() lists the exports
    code = ("import book_utils.arm as arm, book_utils.gan as gan, book_utils.vae as vae\n"
            "mods = [gan.math, gan.modes, gan.clusters, vae.math, arm.math, arm.text, arm.grammar]\n"
            "assert all(m.__name__.startswith('book_utils.') for m in mods)\n"
            "assert {'GAN', 'train_run', 'run'} <= set(dir(gan)) and 'VAE' in dir(vae)\n"
            "assert 'train_run' in dir(arm)\n")
    assert frameworks_after(code) == []


def test_tensorflow_modules_do_not_import_torch():
    assert frameworks_after(resolve_all("book_utils.gan")
                            + "".join(f"import {m}\n" for m in TENSORFLOW_ONLY)) == ["tensorflow"]


def test_torch_modules_do_not_import_tensorflow():
    assert frameworks_after(resolve_all("book_utils.vae") + resolve_all("book_utils.arm")
                            + "".join(f"import {m}\n" for m in TORCH_ONLY)) == ["torch"]


def test_cli_help_imports_no_framework():
    code = ("import sys\nfrom book_utils.cli import build_parser\nbuild_parser().format_help()\n"
            "print('tensorflow' in sys.modules, 'torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]
