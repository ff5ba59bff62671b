#!/usr/bin/env bash
# Builds the benchmarks with the peers (Maven profile "peers"), runs the JMH suite with the GC profiler, counts Kiln's
# allocations exactly (AllocationProbe) and writes the markdown report into README.md between
# <!-- bench:start --> and <!-- bench:end -->.
#
#   benchmarks/run.sh [quick|full] [options] [-- extra JMH arguments]
#
#   quick          one fork, 1 warm-up and 1 measured iteration of 1 s each (about 5 minutes, 20 with the
#                  allocation probes): checks that everything runs; the figures are rough
#   full           the annotations' settings: one fork, 5 warm-up and 5 measured iterations of 2 s (about 42 minutes
#                  with the allocation probes, which warm each Kiln benchmark up for 10 s to a minute, once with the
#                  default kernels, once with the opt-in Vector API kernels and once in a JVM with the tuned
#                  configuration's flags)
#   --filter RE    JMH's benchmark regex (default: all of dev.kiln.benchmarks), e.g. 'KilnBench|OrtBench'
#   --no-build     use the jar already in benchmarks/target
#   --no-probe     skip AllocationProbe
#   --readme FILE  the file that receives the table (default: README.md at the repository root); --no-readme: none
#
# Results: benchmarks/target/bench-results/{jmh.json,jmh.log,alloc.json,alloc-vector.json,alloc-tuned.json,report.md}.
# Run it on an otherwise idle machine: other load shows up in the figures, above all in the 2-thread ones.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
mode=quick
filter='dev.kiln.benchmarks'
build=1
probe=1
readme="$root/README.md"
extra=()

while [[ $# -gt 0 ]]; do
  case "$1" in
    quick|full) mode=$1 ;;
    --filter) filter=$2; shift ;;
    --no-build) build=0 ;;
    --no-probe) probe=0 ;;
    --readme) readme=$2; shift ;;
    --no-readme) readme= ;;
    --) shift; extra=("$@"); break ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
  esac
  shift
done

cd "$root"
jar=benchmarks/target/kiln-benchmarks.jar
out=benchmarks/target/bench-results
if [[ $build == 1 ]]; then
  echo "== building (mvn -Ppeers -pl benchmarks -am package)"
  mvn -q -B -Ppeers -pl benchmarks -am package -DskipTests
  # The build's own load would read as other work in the load average taken before the run.
  echo "== waiting 60 s for the build's load to settle"
  sleep 60
fi
[[ -f $jar ]] || { echo "run.sh: $jar is missing; build with: mvn -Ppeers -pl benchmarks -am package" >&2; exit 1; }
mkdir -p "$out"

case "$mode" in
  quick) timing=(-f 1 -wi 1 -i 1 -w 1s -r 1s) ;;
  full) timing=() ;;
esac

# HostProbeProfiler: the host's cost of reading across cores around each measured 2-thread Kiln iteration.
jmh=(java -jar "$jar" "$filter" "${timing[@]}" -prof gc -prof dev.kiln.benchmarks.HostProbeProfiler -rf json -rff "$out/jmh.json" "${extra[@]}")
load_before=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')
echo "== ${jmh[*]}"
"${jmh[@]}" 2>&1 | tee "$out/jmh.log"
alloc_args=()
if [[ $probe == 1 ]]; then
  echo "== AllocationProbe"
  java -Xms1g -Xmx1g -cp "$jar" dev.kiln.benchmarks.AllocationProbe "$out/alloc.json"
  echo "== AllocationProbe with the opt-in Vector API kernels"
  java -Xms1g -Xmx1g --add-modules jdk.incubator.vector -Dkiln.vector=true -cp "$jar" \
    dev.kiln.benchmarks.AllocationProbe "$out/alloc-vector.json"
  echo "== AllocationProbe in a JVM with KilnTunedBench's flags"
  java -Xms1g -Xmx1g -XX:MaxVectorSize=32 -XX:ObjectAlignmentInBytes=32 -cp "$jar" \
    dev.kiln.benchmarks.AllocationProbe "$out/alloc-tuned.json"
  alloc_args=(--alloc "$out/alloc.json" --alloc-vector "$out/alloc-vector.json" --alloc-tuned "$out/alloc-tuned.json")
fi
load_after=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')

java_version=$(java -version 2>&1 | head -n 2 | tr '\n' ' ' | sed 's/ *$//')
readme_args=()
[[ -n $readme ]] && readme_args=(--readme "$readme")
python3 benchmarks/report.py --jmh "$out/jmh.json" "${alloc_args[@]}" --out "$out/report.md" \
  --mode "$mode" --command "benchmarks/run.sh $mode; ${jmh[*]}" --java "$java_version" \
  --load-before "$load_before" --load-after "$load_after" "${readme_args[@]}" > /dev/null
echo "== report: $out/report.md${readme:+ (and $readme)}"
