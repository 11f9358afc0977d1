/** The {@code hubtune} command: picocli subcommands, progress bars and reports for people. */
package dev.hubtune.cli;
