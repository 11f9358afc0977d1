/** Small runnable programs that use hubtune's library API; the test suite runs each one. */
package dev.hubtune.examples;
