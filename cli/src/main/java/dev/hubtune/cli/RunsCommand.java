package dev.hubtune.cli;

import dev.hubtune.finetune.FinetuneException;
import dev.hubtune.finetune.RunSummary;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code hubtune runs RUN…}: fine-tuning runs side by side, from each one's run.json. */
@Command(
        name = "runs",
        mixinStandardHelpOptions = true,
        description =
                "Compare fine-tuning runs: task, model, key settings, best metric, steps and time"
                        + " (from each OUTPUT/run.json).")
final class RunsCommand implements Callable<Integer> {

    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Mixin CommonOptions common;

    @Parameters(arity = "1..*", paramLabel = "RUN", description = "Output directories of runs.")
    List<Path> runs;

    @Override
    public Integer call() throws FinetuneException {
        PrintWriter out = spec.commandLine().getOut();
        List<Map<String, Object>> rows = new ArrayList<>();
        for (Path run : runs) {
            RunSummary r = RunSummary.read(run);
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("run", run.toString());
            row.put("summary", r);
            rows.add(row);
        }
        if (common.json) {
            // run.json as written (integers stay integers), one object per run.
            com.google.gson.JsonArray all = new com.google.gson.JsonArray();
            for (Path run : runs) {
                com.google.gson.JsonObject o = new com.google.gson.JsonObject();
                o.addProperty("run", run.toString());
                try {
                    o.add(
                            "summary",
                            com.google.gson.JsonParser.parseString(
                                    java.nio.file.Files.readString(run.resolve(RunSummary.FILE))));
                } catch (java.io.IOException e) {
                    throw new UserException("cannot read " + run.resolve(RunSummary.FILE), e);
                }
                all.add(o);
            }
            out.println(Json.GSON.toJson(all));
            return Hubtune.EXIT_OK;
        }
        String format = "%-22s %-15s %-40s %-9s %-7s %-20s %-7s %s%n";
        out.printf(format, "RUN", "TASK", "MODEL", "LR", "BATCH", "BEST", "STEPS", "TIME");
        for (Map<String, Object> row : rows) {
            RunSummary r = (RunSummary) row.get("summary");
            Object batch = r.settings().get("batch_size");
            Object acc = r.settings().get("accumulation");
            out.printf(
                    format,
                    clip(row.get("run").toString(), 22),
                    clip(r.task(), 15),
                    clip(RunSummary.modelName(r.model()), 40),
                    number(r.settings().get("learning_rate")),
                    number(batch)
                            + (acc != null && number(acc).equals("1") ? "" : "x" + number(acc)),
                    r.bestValue() == null
                            ? "-"
                            : String.format(
                                    Locale.ROOT,
                                    "%s %.4f @%d",
                                    r.metric(),
                                    r.bestValue(),
                                    r.bestStep()),
                    r.steps() + "/" + r.totalSteps() + (r.exported() == null ? "*" : ""),
                    duration(r.seconds()));
        }
        if (rows.stream().anyMatch(x -> ((RunSummary) x.get("summary")).exported() == null)) {
            out.println("* not finished (no exported model yet)");
        }
        return Hubtune.EXIT_OK;
    }

    private static String number(Object v) {
        if (v instanceof Number n) {
            double d = n.doubleValue();
            return d == Math.rint(d) && Math.abs(d) < 1e6
                    ? String.valueOf((long) d)
                    : String.format(Locale.ROOT, "%.3g", d);
        }
        return String.valueOf(v);
    }

    private static String clip(String s, int width) {
        return s.length() <= width ? s : "…" + s.substring(s.length() - width + 1);
    }

    private static String duration(double seconds) {
        long s = Math.round(seconds);
        return s < 60
                ? s + "s"
                : s < 3600
                        ? String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60)
                        : String.format(Locale.ROOT, "%dh%02dm", s / 3600, s % 3600 / 60);
    }
}
