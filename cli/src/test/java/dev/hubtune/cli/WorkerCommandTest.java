package dev.hubtune.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * {@code hubtune worker} and the data-parallel options of {@code finetune}: the security warning is
 * where users read it, and bad input is refused with one line before any server starts.
 */
class WorkerCommandTest {

    @Test
    void helpSaysPrivateNetworksOnlyAndNoAuthentication() {
        CliRunner r = CliRunner.run("worker", "--help");
        assertEquals(0, r.exitCode(), r.err());
        String help = r.out().replaceAll("\\s+", " ");
        assertTrue(help.contains("PRIVATE NETWORKS ONLY"), help);
        assertTrue(help.contains("NO authentication"), help);
        assertTrue(help.contains("ALL interfaces"), help);
        CliRunner finetune = CliRunner.run("finetune", "--help");
        assertTrue(
                finetune.out().replaceAll("\\s+", " ").contains("PRIVATE NETWORKS ONLY"),
                finetune.out());
    }

    @Test
    void refusesToStartWithoutAnExplicitCluster() {
        CliRunner r = CliRunner.run("worker", "--task", "0");
        assertEquals(Hubtune.EXIT_USER_ERROR, r.exitCode());
        assertTrue(r.err().contains("--cluster"), r.err());
        assertFalse(r.err().contains("Exception"), r.err());
    }

    @Test
    void badClusterAndTaskAreOneLineErrors() {
        CliRunner noPort = CliRunner.run("worker", "--cluster", "10.0.0.5", "--task", "0");
        assertEquals(Hubtune.EXIT_USER_ERROR, noPort.exitCode());
        assertTrue(noPort.err().contains("is not HOST:PORT"), noPort.err());
        CliRunner task =
                CliRunner.run("worker", "--cluster", "127.0.0.1:1,127.0.0.1:2", "--task", "2");
        assertEquals(Hubtune.EXIT_USER_ERROR, task.exitCode());
        assertTrue(task.err().contains("--task must be in 0..1"), task.err());
        assertEquals(1, task.err().strip().lines().count(), task.err());
    }
}
