"""PyTorch-style programs run on chainrule through nothing but import aliases.

Each test is written as PyTorch's tutorials write such programs (fitting a polynomial with
autograd, a custom Function, nn.Sequential with an optimiser, a dynamic net, a
character-level MLP language model with embeddings and sampling, the tensor and autograd
steps of PyTorch's "Learn the Basics", its Quickstart and its MNIST example on the 8x8
digits, a GPT written as nanoGPT writes one); only the imports differ:

    import autograd as torch          # instead of: import torch
    import nn                         # instead of: import torch.nn as nn
    import nn.functional as F         # instead of: import torch.nn.functional as F
    from nn import optim              # instead of: from torch import optim

Every program must make its loss go down.
"""

import math
import random

import autograd as torch
import nn
import nn.functional as F
from nn import optim


def test_fit_a_cubic_with_autograd_and_manual_updates():
    dtype = torch.float
    device = torch.device("cpu")
    torch.manual_seed(0)

    x = torch.linspace(-math.pi, math.pi, 2000, device=device, dtype=dtype)
    y = torch.sin(x)

    a = torch.randn((), device=device, dtype=dtype, requires_grad=True)
    b = torch.randn((), device=device, dtype=dtype, requires_grad=True)
    c = torch.randn((), device=device, dtype=dtype, requires_grad=True)
    d = torch.randn((), device=device, dtype=dtype, requires_grad=True)

    learning_rate = 1e-6
    losses = []
    for _ in range(2000):
        y_pred = a + b * x + c * x**2 + d * x**3
        loss = (y_pred - y).pow(2).sum()
        losses.append(loss.item())
        loss.backward()
        with torch.no_grad():
            a -= learning_rate * a.grad
            b -= learning_rate * b.grad
            c -= learning_rate * c.grad
            d -= learning_rate * d.grad
            a.grad = None
            b.grad = None
            c.grad = None
            d.grad = None

    assert y_pred.dtype == torch.float32
    assert losses[-1] < 0.05 * losses[0] and losses[-1] < 20
    assert abs(b.item() - 0.85) < 0.1  # sin x ~ 0.857 x - 0.093 x^3 on [-pi, pi]


class LegendrePolynomial3(torch.autograd.Function):
    """P3(x) = (5x^3 - 3x) / 2, with its own backward, as in PyTorch's tutorial."""

    @staticmethod
    def forward(ctx, input):
        ctx.save_for_backward(input)
        return 0.5 * (5 * input**3 - 3 * input)

    @staticmethod
    def backward(ctx, grad_output):
        (input,) = ctx.saved_tensors
        return grad_output * 1.5 * (5 * input**2 - 1)


def test_a_custom_autograd_function():
    torch.manual_seed(0)
    x = torch.linspace(-math.pi, math.pi, 2000, dtype=torch.float64)
    y = torch.sin(x)
    a = torch.full((), 0.0, dtype=torch.float64, requires_grad=True)
    b = torch.full((), -1.0, dtype=torch.float64, requires_grad=True)
    c = torch.full((), 0.0, dtype=torch.float64, requires_grad=True)
    d = torch.full((), 0.3, dtype=torch.float64, requires_grad=True)

    learning_rate = 5e-6
    losses = []
    for _ in range(2000):
        P3 = LegendrePolynomial3.apply
        y_pred = a + b * P3(c + d * x)
        loss = (y_pred - y).pow(2).sum()
        losses.append(loss.item())
        loss.backward()
        with torch.no_grad():
            for p in (a, b, c, d):
                p -= learning_rate * p.grad
                p.grad = None

    assert losses[-1] < 0.2 * losses[0]


def test_nn_sequential_with_an_optimiser():
    torch.manual_seed(0)
    x = torch.linspace(-math.pi, math.pi, 2000)
    y = torch.sin(x)
    p = torch.tensor([1, 2, 3])
    xx = x.unsqueeze(-1).pow(p)
    assert p.dtype == torch.int64 and xx.shape == (2000, 3)

    model = nn.Sequential(nn.Linear(3, 1), nn.Flatten(0, 1))
    loss_fn = nn.MSELoss(reduction="sum")
    optimizer = optim.RMSprop(model.parameters(), lr=1e-3)
    losses = []
    for _ in range(2000):
        y_pred = model(xx)
        loss = loss_fn(y_pred, y)
        losses.append(loss.item())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    linear_layer = model[0]
    assert linear_layer.weight.size() == (1, 3) and linear_layer.bias.numel() == 1
    assert losses[-1] < 0.05 * losses[0]


class DynamicNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.Parameter(torch.randn(()))
        self.b = nn.Parameter(torch.randn(()))
        self.c = nn.Parameter(torch.randn(()))
        self.d = nn.Parameter(torch.randn(()))
        self.e = nn.Parameter(torch.randn(()))

    def forward(self, x):
        """A cubic, plus 0-2 higher terms chosen at random every call, sharing parameter e."""
        y = self.a + self.b * x + self.c * x**2 + self.d * x**3
        for exp in range(4, random.randint(4, 6)):
            y = y + self.e * x**exp
        return y


def test_a_dynamic_net():
    torch.manual_seed(0)
    random.seed(0)
    x = torch.linspace(-math.pi, math.pi, 2000)
    y = torch.sin(x)
    model = DynamicNet()
    criterion = nn.MSELoss(reduction="sum")
    optimizer = optim.SGD(model.parameters(), lr=1e-8, momentum=0.9)
    losses = []
    for _ in range(3000):
        y_pred = model(x)
        loss = criterion(y_pred, y)
        losses.append(loss.item())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    assert sum(losses[-100:]) < 0.1 * sum(losses[:100])


WORDS = """emma olivia ava isabella sophia charlotte mia amelia harper evelyn abigail emily
elizabeth mila ella avery sofia camila aria scarlett victoria madison luna grace chloe
penelope layla riley zoey nora lily eleanor hannah lillian addison aubrey ellie stella
natalie zoe leah hazel violet aurora savannah audrey brooklyn bella claire skylar lucy
paisley everly anna caroline nova genesis emilia kennedy samantha maya willow kinsley
naomi aaliyah elena sarah ariana allison gabriella alice madelyn cora ruby eva serenity
autumn adeline hailey gianna valentina isla eliana quinn nevaeh ivy sadie piper lydia
alexa josephine emery julia delilah arianna vivian kaylee sophie brielle madeline""".split()  # noqa: SIM905 - a names file, as in makemore


def build_dataset(words, stoi, block_size):
    X, Y = [], []
    for w in words:
        context = [0] * block_size
        for ch in w + ".":
            ix = stoi[ch]
            X.append(context)
            Y.append(ix)
            context = context[1:] + [ix]
    return torch.tensor(X), torch.tensor(Y)


def test_a_character_level_mlp_language_model():
    chars = sorted(set("".join(WORDS)))
    stoi = {s: i + 1 for i, s in enumerate(chars)}
    stoi["."] = 0
    itos = {i: s for s, i in stoi.items()}
    vocab_size, block_size, n_embd, n_hidden = len(itos), 3, 10, 64

    X, Y = build_dataset(WORDS, stoi, block_size)
    assert X.dtype == torch.int64 and Y.dtype == torch.int64 and X.shape[1] == block_size

    g = torch.Generator().manual_seed(2147483647)
    C = torch.randn((vocab_size, n_embd), generator=g)
    W1 = (
        torch.randn((n_embd * block_size, n_hidden), generator=g)
        * (5 / 3)
        / (n_embd * block_size) ** 0.5
    )
    b1 = torch.randn(n_hidden, generator=g) * 0.01
    W2 = torch.randn((n_hidden, vocab_size), generator=g) * 0.01
    b2 = torch.randn(vocab_size, generator=g) * 0
    parameters = [C, W1, b1, W2, b2]
    for p in parameters:
        p.requires_grad = True
    assert sum(p.nelement() for p in parameters) == C.numel() + W1.numel() + 64 + W2.numel() + 27

    losses = []
    for i in range(1500):
        ix = torch.randint(0, X.shape[0], (32,), generator=g)
        emb = C[X[ix]]  # (32, block_size, n_embd): an embedding lookup with int64 indices
        h = torch.tanh(emb.view(emb.shape[0], -1) @ W1 + b1)
        logits = h @ W2 + b2
        loss = F.cross_entropy(logits, Y[ix])
        for p in parameters:
            p.grad = None
        loss.backward()
        lr = 0.1 if i < 1000 else 0.01
        for p in parameters:
            p.data += -lr * p.grad
        losses.append(loss.item())

    @torch.no_grad()
    def split_loss(x, y):
        emb = C[x]
        h = torch.tanh(emb.view(emb.shape[0], -1) @ W1 + b1)
        return F.cross_entropy(h @ W2 + b2, y).item()

    assert losses[0] > 3.0  # about log(27) = 3.3 at the start
    assert split_loss(X, Y) < 2.6  # the model has learnt the names

    g = torch.Generator().manual_seed(2147483647 + 10)
    names = []
    for _ in range(10):
        out, context = [], [0] * block_size
        while True:
            emb = C[torch.tensor([context])]
            h = torch.tanh(emb.view(1, -1) @ W1 + b1)
            probs = F.softmax(h @ W2 + b2, dim=1)
            ix = torch.multinomial(probs, num_samples=1, generator=g).item()
            context = context[1:] + [ix]
            if ix == 0:
                break
            out.append(ix)
        names.append("".join(itos[i] for i in out))
    assert len(names) == 10 and all(set(name) <= set(chars) for name in names)
    assert sum(len(name) for name in names) / 10 < 15  # it learnt to end names


# --- a GPT as nanoGPT writes one (karpathy/nanoGPT's model.py, in small) -------------------
# Only `torch.nn.init`, `torch.optim` and `torch.nn.utils` read `nn.init`, `optim` and
# `nn.utils`: autograd knows nothing of nn.


class LayerNorm(nn.Module):
    def __init__(self, ndim, bias):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(ndim))
        self.bias = nn.Parameter(torch.zeros(ndim)) if bias else None

    def forward(self, input):
        return F.layer_norm(input, self.weight.shape, self.weight, self.bias, 1e-5)


class CausalSelfAttention(nn.Module):
    def __init__(self, n_embd, n_head, block_size):
        super().__init__()
        assert n_embd % n_head == 0
        self.c_attn = nn.Linear(n_embd, 3 * n_embd)
        self.c_proj = nn.Linear(n_embd, n_embd)
        self.attn_dropout, self.resid_dropout = nn.Dropout(0.0), nn.Dropout(0.0)
        self.n_head, self.n_embd = n_head, n_embd
        causal = torch.tril(torch.ones(block_size, block_size))
        self.register_buffer("bias", causal.view(1, 1, block_size, block_size))

    def forward(self, x):
        B, T, C = x.size()
        q, k, v = self.c_attn(x).split(self.n_embd, dim=2)
        k = k.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)  # (B, nh, T, hs)
        q = q.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        v = v.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))
        att = att.masked_fill(self.bias[:, :, :T, :T] == 0, float("-inf"))
        att = self.attn_dropout(F.softmax(att, dim=-1))
        y = (att @ v).transpose(1, 2).contiguous().view(B, T, C)  # heads side by side
        return self.resid_dropout(self.c_proj(y))


class Block(nn.Module):
    def __init__(self, n_embd, n_head, block_size):
        super().__init__()
        self.ln_1 = LayerNorm(n_embd, bias=True)
        self.attn = CausalSelfAttention(n_embd, n_head, block_size)
        self.ln_2 = LayerNorm(n_embd, bias=True)
        self.mlp = nn.Sequential(
            nn.Linear(n_embd, 4 * n_embd), nn.GELU(), nn.Linear(4 * n_embd, n_embd)
        )

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class GPT(nn.Module):
    def __init__(self, vocab_size, block_size, n_layer, n_head, n_embd):
        super().__init__()
        self.block_size = block_size
        self.transformer = nn.ModuleDict(
            dict(
                wte=nn.Embedding(vocab_size, n_embd),
                wpe=nn.Embedding(block_size, n_embd),
                drop=nn.Dropout(0.0),
                h=nn.ModuleList([Block(n_embd, n_head, block_size) for _ in range(n_layer)]),
                ln_f=LayerNorm(n_embd, bias=True),
            )
        )
        self.lm_head = nn.Linear(n_embd, vocab_size, bias=False)
        self.transformer.wte.weight = self.lm_head.weight  # weight tying
        self.apply(self._init_weights)
        for pn, p in self.named_parameters():
            if pn.endswith("2.weight"):  # the MLP's output projection (nanoGPT's c_proj)
                nn.init.normal_(p, mean=0.0, std=0.02 / math.sqrt(2 * n_layer))

    def _init_weights(self, module):
        if isinstance(module, nn.Linear):
            nn.init.normal_(module.weight, mean=0.0, std=0.02)
            if module.bias is not None:
                nn.init.zeros_(module.bias)
        elif isinstance(module, nn.Embedding):
            nn.init.normal_(module.weight, mean=0.0, std=0.02)

    def forward(self, idx, targets=None):
        b, t = idx.size()
        assert t <= self.block_size
        pos = torch.arange(0, t, dtype=torch.long, device=idx.device)
        x = self.transformer.drop(self.transformer.wte(idx) + self.transformer.wpe(pos))
        for block in self.transformer.h:
            x = block(x)
        x = self.transformer.ln_f(x)
        if targets is None:
            return self.lm_head(x[:, [-1], :]), None
        logits = self.lm_head(x)
        loss = F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1), ignore_index=-1)
        return logits, loss

    def configure_optimizers(self, weight_decay, learning_rate, betas):
        params = {pn: p for pn, p in self.named_parameters() if p.requires_grad}
        groups = [
            {"params": [p for p in params.values() if p.dim() >= 2], "weight_decay": weight_decay},
            {"params": [p for p in params.values() if p.dim() < 2], "weight_decay": 0.0},
        ]
        return optim.AdamW(groups, lr=learning_rate, betas=betas)

    @torch.no_grad()
    def generate(self, idx, max_new_tokens, temperature=1.0, top_k=None):
        for _ in range(max_new_tokens):
            idx_cond = idx if idx.size(1) <= self.block_size else idx[:, -self.block_size :]
            logits, _ = self(idx_cond)
            logits = logits[:, -1, :] / temperature
            if top_k is not None:
                v, _ = torch.topk(logits, min(top_k, logits.size(-1)))
                logits[logits < v[:, [-1]]] = -float("Inf")
            probs = F.softmax(logits, dim=-1)
            idx = torch.cat((idx, torch.multinomial(probs, num_samples=1)), dim=1)
        return idx


def test_a_gpt_written_as_nanogpt_writes_it():
    torch.manual_seed(1337)
    text = "hello world, this is a tiny corpus for a tiny gpt. " * 20
    chars = sorted(set(text))
    stoi = {c: i for i, c in enumerate(chars)}
    data = torch.tensor([stoi[c] for c in text], dtype=torch.long)
    block_size, batch_size = 16, 8
    model = GPT(len(chars), block_size, n_layer=2, n_head=2, n_embd=32)
    assert model.transformer.wte.weight is model.lm_head.weight
    n_params = sum(p.numel() for p in model.parameters())  # the tied matrix counted once
    assert n_params == 26656  # as PyTorch counts the same model
    optimizer = model.configure_optimizers(0.1, 3e-3, (0.9, 0.99))

    def get_batch():
        ix = torch.randint(len(data) - block_size, (batch_size,))
        x = torch.stack([data[i : i + block_size] for i in ix])  # 0-d int tensors as indices
        y = torch.stack([data[i + 1 : i + 1 + block_size] for i in ix])
        return x, y

    losses = []
    for _ in range(150):
        xb, yb = get_batch()
        logits, loss = model(xb, yb)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        losses.append(loss.item())
    assert losses[0] > 2.5  # about log(len(chars)) = 2.9 at the start
    assert sum(losses[-10:]) / 10 < 0.5  # it has learnt the corpus

    model.eval()
    out = model.generate(torch.zeros((1, 1), dtype=torch.long), 40, top_k=5)
    sample = "".join(chars[i] for i in out[0].tolist())
    assert out.shape == (1, 41) and len(sample) == 41
    pairs = [sample[i : i + 2] for i in range(40)]
    # it writes the corpus's letter pairs (an untrained model: about 1 in 8)
    assert sum(pair in text for pair in pairs) / 40 > 0.6


# --- PyTorch's MNIST example (pytorch/examples, mnist/main.py), on the 8x8 digits ----------


class ConvNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, 3, 1)
        self.conv2 = nn.Conv2d(8, 16, 3, 1)
        self.dropout1 = nn.Dropout(0.25)
        self.dropout2 = nn.Dropout(0.5)
        self.fc1 = nn.Linear(16 * 2 * 2, 32)
        self.fc2 = nn.Linear(32, 10)

    def forward(self, x):
        x = F.relu(self.conv1(x))
        x = F.relu(self.conv2(x))
        x = F.max_pool2d(x, 2)
        x = self.dropout1(x)
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        x = self.dropout2(x)
        return F.log_softmax(self.fc2(x), dim=1)


def train_epoch(model, device, train_loader, optimizer):
    model.train()
    for data, target in train_loader:
        data, target = data.to(device), target.to(device)
        optimizer.zero_grad()
        loss = F.nll_loss(model(data), target)
        loss.backward()
        optimizer.step()


def evaluate(model, device, test_loader):
    model.eval()
    test_loss, correct = 0, 0
    with torch.no_grad():
        for data, target in test_loader:
            data, target = data.to(device), target.to(device)
            output = model(data)
            test_loss += F.nll_loss(output, target, reduction="sum").item()
            pred = output.argmax(dim=1, keepdim=True)
            correct += pred.eq(target.view_as(pred)).sum().item()
    return test_loss / len(test_loader.dataset), correct / len(test_loader.dataset)


def test_pytorchs_mnist_example_on_the_digits():
    from nn.data import DataLoader, TensorDataset
    from nn.datasets import load_digits
    from nn.optim.lr_scheduler import StepLR

    images, labels = load_digits()
    images = (images / 16).astype("float32").reshape(-1, 1, 8, 8)
    torch.manual_seed(1)
    device = torch.device("cpu")
    train_set = TensorDataset(torch.from_numpy(images[:1500]), torch.from_numpy(labels[:1500]))
    test_set = TensorDataset(torch.from_numpy(images[1500:]), torch.from_numpy(labels[1500:]))
    train_loader = DataLoader(train_set, batch_size=64, shuffle=True)
    test_loader = DataLoader(test_set, batch_size=1000)
    model = ConvNet().to(device)
    optimizer = optim.Adadelta(model.parameters(), lr=1.0)
    scheduler = StepLR(optimizer, step_size=1, gamma=0.7)
    before, _ = evaluate(model, device, test_loader)
    for _ in range(5):
        train_epoch(model, device, train_loader, optimizer)
        scheduler.step()
    after, accuracy = evaluate(model, device, test_loader)
    assert before > 2.2 and after < 0.8 * before  # log(10) = 2.3 at the start
    assert accuracy > 0.5  # PyTorch itself reaches about 70% in these five epochs


# --- PyTorch's Quickstart tutorial (FashionMNIST there, the 8x8 digits here) --------------


class NeuralNetwork(nn.Module):
    def __init__(self, side):
        super().__init__()
        self.flatten = nn.Flatten()
        self.linear_relu_stack = nn.Sequential(
            nn.Linear(side * side, 512),
            nn.ReLU(),
            nn.Linear(512, 512),
            nn.ReLU(),
            nn.Linear(512, 10),
        )

    def forward(self, x):
        x = self.flatten(x)
        logits = self.linear_relu_stack(x)
        return logits


def test_pytorchs_quickstart_on_the_digits(tmp_path):
    from nn.data import DataLoader, TensorDataset
    from nn.datasets import load_digits

    images, labels = load_digits()
    images = (images / 16).astype("float32").reshape(-1, 8, 8)
    training_data = TensorDataset(torch.from_numpy(images[:1500]), torch.from_numpy(labels[:1500]))
    test_data = TensorDataset(torch.from_numpy(images[1500:]), torch.from_numpy(labels[1500:]))
    torch.manual_seed(0)
    train_dataloader = DataLoader(training_data, batch_size=64)
    test_dataloader = DataLoader(test_data, batch_size=64)
    for X, y in test_dataloader:
        assert X.shape == (64, 8, 8) and y.shape == (64,) and y.dtype == torch.int64
        break

    device = (
        torch.accelerator.current_accelerator().type if torch.accelerator.is_available() else "cpu"
    )
    model = NeuralNetwork(8).to(device)
    loss_fn = nn.CrossEntropyLoss()
    optimizer = optim.SGD(model.parameters(), lr=1e-1)

    def train(dataloader, model, loss_fn, optimizer):
        model.train()
        for X, y in dataloader:
            X, y = X.to(device), y.to(device)
            loss = loss_fn(model(X), y)
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()

    def test(dataloader, model, loss_fn):
        size, num_batches = len(dataloader.dataset), len(dataloader)
        model.eval()
        test_loss, correct = 0, 0
        with torch.no_grad():
            for X, y in dataloader:
                X, y = X.to(device), y.to(device)
                pred = model(X)
                test_loss += loss_fn(pred, y).item()
                correct += (pred.argmax(1) == y).type(torch.float).sum().item()
        return test_loss / num_batches, correct / size

    first_loss, _ = test(test_dataloader, model, loss_fn)
    for _ in range(5):
        train(train_dataloader, model, loss_fn, optimizer)
    test_loss, accuracy = test(test_dataloader, model, loss_fn)
    assert first_loss > 2.2 and test_loss < 0.5 * first_loss
    assert accuracy > 0.6  # PyTorch itself reaches about 80% here

    path = tmp_path / "model.pth"
    nn.save(model.state_dict(), path)  # torch.save(model.state_dict(), "model.pth")
    model = NeuralNetwork(8).to(device)
    model.load_state_dict(nn.load(path, weights_only=True))
    classes = [str(digit) for digit in range(10)]
    model.eval()
    x, y = test_data[0][0], test_data[0][1]
    with torch.no_grad():
        x = x.to(device)
        pred = model(x.unsqueeze(0))
        predicted, actual = classes[pred[0].argmax(0)], classes[y]
    assert actual == str(labels[1500]) and predicted in classes
    assert test(test_dataloader, model, loss_fn) == (test_loss, accuracy)  # the same model


# --- the tensor and autograd steps of PyTorch's "Learn the Basics" -----------------------


def test_pytorchs_tensor_and_autograd_tutorials():
    import numpy as np

    data = [[1, 2], [3, 4]]
    x_data, x_np = torch.tensor(data), torch.from_numpy(np.array(data))
    x_rand = torch.rand_like(x_data, dtype=torch.float)
    assert x_data.dtype == x_np.dtype == torch.int64 and x_rand.dtype == torch.float32
    tensor = torch.ones(4, 4)
    tensor[:, 1] = 0
    assert torch.cat([tensor, tensor, tensor], dim=1).shape == (4, 12)
    y1, y2 = tensor @ tensor.T, tensor.matmul(tensor.T)
    y3 = torch.rand_like(y1)
    torch.matmul(tensor, tensor.T, out=y3)
    z1, z2 = tensor * tensor, tensor.mul(tensor)
    z3 = torch.rand_like(tensor)
    torch.mul(tensor, tensor, out=z3)
    assert torch.equal(y1, y2) and torch.equal(y1, y3) and torch.equal(z1, z2)
    assert torch.equal(z1, z3)
    agg_item = tensor.sum().item()
    assert agg_item == 12.0 and isinstance(agg_item, float)
    tensor.add_(5)
    t = torch.ones(5)
    n = t.numpy()
    t.add_(1)
    assert n.tolist() == [2.0] * 5  # the tensor and its numpy array share memory
    n = np.ones(5)
    t = torch.from_numpy(n)
    np.add(n, 1, out=n)
    assert t.tolist() == [2.0] * 5

    x, y = torch.ones(5), torch.zeros(3)
    w = torch.randn(5, 3, requires_grad=True)
    b = torch.randn(3, requires_grad=True)
    z = torch.matmul(x, w) + b
    loss = F.binary_cross_entropy_with_logits(z, y)
    assert z.grad_fn is not None and loss.grad_fn is not None
    loss.backward()
    assert w.grad.shape == (5, 3) and b.grad.shape == (3,)
    with torch.no_grad():
        assert not (torch.matmul(x, w) + b).requires_grad
    assert not (torch.matmul(x, w) + b).detach().requires_grad
    inp = torch.eye(4, 5, requires_grad=True)
    out = (inp + 1).pow(2).t()
    out.backward(torch.ones_like(out), retain_graph=True)
    first = inp.grad.clone()
    out.backward(torch.ones_like(out), retain_graph=True)
    assert torch.equal(inp.grad, 2 * first)  # gradients accumulate
    inp.grad.zero_()
    out.backward(torch.ones_like(out), retain_graph=True)
    assert torch.equal(inp.grad, first) and first[0, 0].item() == 4.0
