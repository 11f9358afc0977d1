package dev.hubtune.cli;

import dev.hubtune.hub.HubException;
import dev.hubtune.hub.HubtuneHome;
import dev.hubtune.models.ModelException;
import dev.hubtune.tokenizers.TokenizerException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.ParseResult;

/**
 * Maps exceptions to hubtune's exit codes: the modules' checked exceptions are user or environment
 * errors (their messages say what to do); anything else is a bug, logged to a file.
 */
final class ErrorHandler implements IExecutionExceptionHandler {

    @Override
    public int handleExecutionException(Exception e, CommandLine cli, ParseResult parsed) {
        PrintWriter err = cli.getErr();
        if (e instanceof UserException
                || e instanceof ModelException
                || e instanceof TokenizerException
                || e instanceof HubException
                || e instanceof dev.hubtune.finetune.FinetuneException) {
            err.println("hubtune: " + e.getMessage());
            return Hubtune.EXIT_USER_ERROR;
        }
        Path log = writeLog(e);
        err.println(
                "hubtune: internal error: "
                        + e
                        + (log == null ? "" : "\nDetails: " + log)
                        + "\nPlease report it with that file.");
        return Hubtune.EXIT_INTERNAL_ERROR;
    }

    private static Path writeLog(Exception e) {
        try {
            Path dir = Files.createDirectories(HubtuneHome.fromEnvironment().logs());
            Path log =
                    dir.resolve(
                            "error-"
                                    + LocalDateTime.now()
                                            .format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"))
                                    + ".log");
            StringWriter trace = new StringWriter();
            e.printStackTrace(new PrintWriter(trace));
            Files.writeString(log, trace.toString());
            return log;
        } catch (IOException | RuntimeException ignored) {
            return null;
        }
    }
}
