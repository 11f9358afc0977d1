/** Side-by-side benchmarks of hubtune against its peers, reported as ratios from one run. */
package dev.hubtune.bench;
