"""chainrule's autograd: a small, exact reverse-mode automatic differentiation engine on numpy.

    import autograd as ag
    x = ag.tensor(0.12132987, requires_grad=True)
    v = x**4 - 2 * x**2
    v.backward()
    x.grad          # tensor(-0.47817512...)

Note: the HIPS `autograd` package uses the same import name; do not install both
in one environment.
"""

from types import SimpleNamespace as _SimpleNamespace

from . import cuda, ops
from .anomaly import AnomalyError, detect_anomaly, is_anomaly_enabled
from .capture import CaptureError, capture_backward, refuse_under_capture
from .creation import (
    Generator,
    arange,
    as_tensor,
    default_generator,
    default_rng,
    empty,
    eye,
    from_numpy,
    full,
    full_like,
    initial_seed,
    linspace,
    manual_seed,
    multinomial,
    normal,
    ones,
    ones_like,
    rand,
    rand_like,
    randint,
    randn,
    randn_like,
    randperm,
    seed,
    tensor,
    zeros,
    zeros_like,
)
from .function import Domain, Function, Node, Primitive
from .functional import (
    grad,
    gradients,
    hessian,
    hvp,
    jacfwd,
    jacobian,
    jvp,
    value_and_grad,
    vjp,
)
from .mode import (
    Observer,
    call_in_scope,
    enable_grad,
    graph_scope,
    is_grad_enabled,
    no_grad,
    observing,
    set_grad_enabled,
)
from .ops import *  # noqa: F403 - every function of the formula sheet (ops.__all__)
from .tensor import Tensor, get_default_dtype, set_default_dtype
from .types import (  # PyTorch's dtype names for numpy dtypes, and devices
    bool_ as bool,  # noqa: A004 - torch.bool
)
from .types import (
    cdouble,
    complex64,
    complex128,
    device,
    double,
    float16,
    float32,
    float64,
    half,
    int8,
    int16,
    int32,
    int64,
    long,
    short,
    uint8,
)
from .types import float32 as float  # noqa: A004 - torch.float is float32
from .types import int32 as int  # noqa: A004 - torch.int is int32

__version__ = "0.1.0"

# PyTorch's `torch.autograd` names, so `torch.autograd.Function` and
# `torch.autograd.grad(outputs, inputs)` read the same under `import autograd as torch`
autograd = _SimpleNamespace(
    Function=Function,
    grad=gradients,
    no_grad=no_grad,
    enable_grad=enable_grad,
    set_grad_enabled=set_grad_enabled,
    detect_anomaly=detect_anomaly,
)

# PyTorch's other device questions, answered as on a machine without a GPU:
# `torch.accelerator.is_available()`, `torch.backends.mps.is_available()`, and the cuDNN
# switches seeding code sets (accepted, without effect)
accelerator = _SimpleNamespace(
    is_available=cuda.is_available,
    device_count=cuda.device_count,
    current_accelerator=cuda.current_accelerator,
)
backends = _SimpleNamespace(
    mps=_SimpleNamespace(is_available=cuda.is_available, is_built=cuda.is_available),
    cuda=_SimpleNamespace(is_built=cuda.is_available),
    cudnn=_SimpleNamespace(is_available=cuda.is_available, deterministic=False, benchmark=False),
)


def __getattr__(name: str):
    # optional extras load lazily, so `import autograd` needs numpy only
    if name in ("testing", "viz"):
        import importlib

        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module 'autograd' has no attribute {name!r}")
