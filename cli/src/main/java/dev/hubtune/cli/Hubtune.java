package dev.hubtune.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code hubtune} command. Exit codes: 0 success, 1 a user or environment error (one line
 * saying what went wrong and what to do), 2 an internal error (with the path of a log).
 */
@Command(
        name = "hubtune",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = {
            "Fetch pretrained BERT and GPT-2 models, tokenize text, fine-tune with TensorFlow and"
                    + " export for serving, all on the JVM."
        },
        subcommands = {
            QuickstartCommand.class,
            DoctorCommand.class,
            PullCommand.class,
            LsCommand.class,
            InfoCommand.class,
            RmCommand.class,
            VerifyCommand.class,
            GcCommand.class,
            TokenizeCommand.class,
            EmbedCommand.class,
            FillMaskCommand.class,
            GenerateCommand.class,
            ChatCommand.class,
            InitCommand.class,
            ExportCommand.class,
            FinetuneCommand.class,
            DistillCommand.class,
            WorkerCommand.class,
            PredictCommand.class,
            EvalCommand.class,
            RunsCommand.class,
            CommandLine.HelpCommand.class
        })
public final class Hubtune implements Runnable {

    /** Success. */
    public static final int EXIT_OK = 0;

    /** A user or environment error: the message says what to do. */
    public static final int EXIT_USER_ERROR = 1;

    /** A bug or an unexpected failure: details are in the log. */
    public static final int EXIT_INTERNAL_ERROR = 2;

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Builds the command line with hubtune's error handling. */
    public static CommandLine commandLine(PrintWriter out, PrintWriter err) {
        CommandLine cli = new CommandLine(new Hubtune());
        cli.setOut(out);
        cli.setErr(err);
        cli.setExecutionExceptionHandler(new ErrorHandler());
        cli.setParameterExceptionHandler(Hubtune::shortUsageError);
        // picocli's default for a bad option is 2; for hubtune that is a user error.
        setExitCodeOnInvalidInput(cli, EXIT_USER_ERROR);
        return cli;
    }

    /**
     * A bad option or argument: picocli's one-line message and a pointer to the command's help (not
     * the whole usage text, which would bury the message).
     */
    private static int shortUsageError(CommandLine.ParameterException e, String[] args) {
        CommandLine cmd = e.getCommandLine();
        PrintWriter err = cmd.getErr();
        err.println("hubtune: " + e.getMessage());
        CommandLine.UnmatchedArgumentException.printSuggestions(e, err);
        err.println(
                "Try '" + cmd.getCommandSpec().qualifiedName() + " --help' for more information.");
        return cmd.getCommandSpec().exitCodeOnInvalidInput();
    }

    private static void setExitCodeOnInvalidInput(CommandLine cli, int code) {
        cli.getCommandSpec().exitCodeOnInvalidInput(code);
        cli.getSubcommands().values().forEach(sub -> setExitCodeOnInvalidInput(sub, code));
    }

    /** Entry point of the runnable jar. */
    public static void main(String[] args) {
        Runnable restoreStderr = NativeLogFilter.install(System.getenv());
        PrintWriter out = new PrintWriter(System.out, true);
        PrintWriter err = new PrintWriter(System.err, true);
        int code = commandLine(out, err).execute(args);
        out.flush();
        err.flush();
        restoreStderr.run();
        System.exit(code);
    }
}
