"""tools/lib/bench_plots.py — tools/bench/run's PNG plots with gnuplot (pngcairo): throughput vs workers beside the
ideal line, verdict-latency histograms, TLS rates beside their limits.

Owns: the gnuplot scripts and their data files. May call: gnuplot, tools/lib/bench_report (scale_pick).
"""
import math
import os
import shutil
import subprocess

from bench_report import scale_pick

# ---------------------------------------------------------------- plots (gnuplot, pngcairo)

def gnuplot(script, log):
    p = subprocess.run(["gnuplot"], input=script, capture_output=True, text=True, timeout=60)
    if p.returncode != 0:
        log(f"plots: gnuplot failed: {p.stderr.strip()[-300:]}")
        return False
    return True


def log_bins(values, per_decade=10):
    """(bin centre, count) of values on a log10 axis, per_decade bins per power of ten; empty bins left out."""
    counts = {}
    for v in values:
        if v is None or v <= 0:
            continue
        k = math.floor(math.log10(v) * per_decade)
        counts[k] = counts.get(k, 0) + 1
    return [(10 ** ((k + 0.5) / per_decade), n) for k, n in sorted(counts.items())]


def plot_scale(j, path, data_dir, log):
    runs = j.get("runs", [])
    panels = []
    for mode in ("passthrough", "proxy"):
        one = scale_pick(runs, mode, 1)
        workers = sorted({r["workers"] for r in runs if r.get("mode") == mode and r.get("ok", True)})
        if not workers:
            continue
        dat = os.path.join(data_dir, f"scale-{mode}.dat")
        with open(dat, "w") as f:
            f.write("# workers rate ideal\n")
            for w in workers:
                r = scale_pick(runs, mode, w)
                f.write(f"{w} {r['rate']} {one['rate'] * w if one else 'NaN'}\n")
        units = next(r["units"] for r in runs if r.get("mode") == mode)
        panels.append(f"set title '{mode}'\nset xlabel 'workers'\nset ylabel '{units} per second'\n"
                      f"set xtics 1\nset yrange [0:*]\nset key top left\n"
                      f"plot '{dat}' using 1:2 with linespoints lw 2 pt 7 title 'measured', "
                      f"'{dat}' using 1:3 with lines dt 2 lw 1 title 'ideal (linear)'\n")
    if not panels:
        return False
    return gnuplot(f"set terminal pngcairo size {600 * len(panels)},450\nset output '{path}'\n"
                   f"set multiplot layout 1,{len(panels)} title 'Throughput vs workers (cores: {j.get('cores')})'\n"
                   + "".join(panels) + "unset multiplot\n", log)


def plot_verdict(j, path, data_dir, log):
    samples = j.get("samples", [])
    labels = list(dict.fromkeys(s["size_label"] for s in samples))
    panels = []
    for label in labels:
        values = [s["verdict_latency_us"] for s in samples if s["size_label"] == label]
        bins = log_bins(values)
        if not bins:
            continue
        dat = os.path.join(data_dir, f"verdict-{label.replace(' ', '')}.dat")
        with open(dat, "w") as f:
            f.write("# bin_centre_us count\n")
            for centre, n in bins:
                f.write(f"{centre} {n}\n")
        panels.append(f"set title '{label} messages ({len(values)})'\nset logscale x\nset xlabel 'verdict latency, µs'\n"
                      f"set ylabel 'messages'\nset yrange [0:*]\nset style fill solid 0.6\n"
                      f"plot '{dat}' using 1:2:($1*0.2) with boxes notitle\n")
    if not panels:
        return False
    return gnuplot(f"set terminal pngcairo size {600 * len(panels)},450\nset output '{path}'\n"
                   f"set multiplot layout 1,{len(panels)} title 'Verdict latency at end of data "
                   f"(bound {j.get('bound_ms')} ms)'\n" + "".join(panels) + "unset multiplot\n", log)


def plot_tls(j, path, data_dir, log):
    bars = [r for r in j.get("rows", []) if r.get("section") in ("handshakes", "sessions") and r.get("figure")
            and r.get("against_value") and "wall" not in r.get("what", "")]
    if not bars:
        return False
    dat = os.path.join(data_dir, "tls.dat")
    with open(dat, "w") as f:
        f.write("# label measured limit_or_peer\n")
        for r in bars:
            what = r["what"].split(" (")[0].split(",")[0]
            label = f"{'handshakes ' if r['section'] == 'handshakes' else ''}{what} vs {r['against'].split(' 1/(')[0].split(',')[0]}"
            f.write(f"\"{label}\" {r['figure']} {r['against_value']}\n")
    return gnuplot(f"set terminal pngcairo size 1000,500\nset output '{path}'\n"
                   "set title 'TLS per core-second: measured beside its limit or peer (same run)'\n"
                   "set style data histogram\nset style histogram clustered gap 1\nset style fill solid 0.7\n"
                   "set logscale y\nset ylabel 'per CPU-second'\nset xtics rotate by -25 left font ',8'\n"
                   "set key outside top center horizontal\nset bmargin 8\n"
                   f"plot '{dat}' using 2:xtic(1) title 'measured', '' using 3 title 'limit or peer'\n", log)


PLOTS = {"scale": ("scale.png", plot_scale, "Throughput vs workers"),
         "verdict": ("verdict-latency.png", plot_verdict, "Verdict latency histograms"),
         "tls": ("tls.png", plot_tls, "TLS rates beside their limits")}


def draw_plots(results, plots_dir, work, log):
    """{bench name: (png path, caption)} of the plots drawn."""
    drawn = {}
    if not plots_dir:
        return drawn
    if not shutil.which("gnuplot"):
        log("plots: gnuplot missing (tools/install-deps installs gnuplot-nox); none drawn")
        return drawn
    os.makedirs(plots_dir, exist_ok=True)
    for name, (file, draw, caption) in PLOTS.items():
        r = results.get(name)
        if r and r["json"] is not None:
            path = os.path.join(plots_dir, file)
            try:
                if draw(r["json"], path, work, log):
                    drawn[name] = (path, caption)
            except (KeyError, TypeError, ValueError) as e:
                log(f"plots: {name}: its JSON lacks {e}")
    return drawn
