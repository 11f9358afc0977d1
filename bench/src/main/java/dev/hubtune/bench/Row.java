package dev.hubtune.bench;

/**
 * One line of the results table.
 *
 * @param metric what was measured, with its unit
 * @param hubtune hubtune's measurement (median and min–max), or why there is none
 * @param peer the peer and its measurement, or why there is none
 * @param ratio hubtune relative to the peer, oriented so that higher is better for hubtune
 * @param goal the goal from the issue
 * @param verdict met / missed / n/a
 */
record Row(String metric, String hubtune, String peer, String ratio, String goal, String verdict) {}
