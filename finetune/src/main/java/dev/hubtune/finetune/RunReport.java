package dev.hubtune.finetune;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import javax.imageio.ImageIO;
import org.knowm.xchart.AnnotationLine;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.HeatMapChart;
import org.knowm.xchart.HeatMapChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.lines.SeriesLines;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * {@code report.png} and {@code report.html} in a run's output directory, charted with XChart
 * (headless): the logged training loss per step with a smoothed line and the validation loss, the
 * learning-rate schedule, the validation metrics with the best evaluation marked, and the task's
 * own chart (confusion matrix for classification, perplexity for causal LM, entity F1 per type for
 * NER). The HTML page holds the same charts (embedded, so it opens offline) and the run's settings,
 * data sizes, best evaluation and export path.
 */
final class RunReport {

    private static final int CHART_W = 700;
    private static final int CHART_H = 420;
    private static final Color TRAIN = new Color(0x1f77b4);
    private static final Color TRAIN_RAW = new Color(0x1f77b4, false).brighter();
    private static final Color VALIDATION = new Color(0xd62728);
    private static final Color BEST = new Color(0xff7f0e);
    private static final Color[] METRIC_COLORS = {
        new Color(0x2ca02c), new Color(0x9467bd), new Color(0x8c564b), new Color(0x17becf)
    };

    /**
     * TensorBoard's default smoothing weight: an exponential moving average, debiased at the start
     * so the first points are not pulled toward zero.
     */
    static final double SMOOTHING = 0.6;

    /** A logged training point. */
    record TrainPoint(int step, double loss) {}

    /**
     * What the report shows.
     *
     * @param title task and model, the page's heading
     * @param train logged training points, in step order
     * @param evaluations evaluations, in step order
     * @param best index of the best evaluation, or -1
     * @param metric the metric that chose it
     * @param schedule the learning-rate schedule
     * @param settings the run's settings, in display order
     * @param exported where the model was exported, or null while training
     */
    record Contents(
            String title,
            List<TrainPoint> train,
            List<? extends TrainingReport.Evaluation<?>> evaluations,
            int best,
            String metric,
            LearningRateSchedule schedule,
            Map<String, String> settings,
            Path exported) {}

    private RunReport() {}

    /** Writes {@code report.png} and {@code report.html} into {@code dir}, each atomically. */
    static void write(Path dir, Contents c) throws IOException {
        System.setProperty("java.awt.headless", "true");
        List<Chart<?, ?>> charts = charts(c);
        List<BufferedImage> images = new ArrayList<>();
        for (Chart<?, ?> chart : charts) {
            images.add(BitmapEncoder.getBufferedImage(chart));
        }
        int cols = 2;
        int rows = (images.size() + cols - 1) / cols;
        int head = 36;
        BufferedImage all =
                new BufferedImage(
                        cols * CHART_W, head + rows * CHART_H, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = all.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, all.getWidth(), all.getHeight());
        g.setColor(Color.DARK_GRAY);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 18));
        String heading = c.title() + "  —  " + bestLine(c) + " (by " + c.metric() + ")";
        int room = all.getWidth() - 24;
        if (g.getFontMetrics().stringWidth(heading) > room) {
            // A long summary (NER's per-type scores) is in the HTML page; here it is cut.
            while (heading.length() > 1 && g.getFontMetrics().stringWidth(heading + "…") > room) {
                heading = heading.substring(0, heading.length() - 1);
            }
            heading += "…";
        }
        g.drawString(heading, 12, 25);
        for (int i = 0; i < images.size(); i++) {
            g.drawImage(images.get(i), (i % cols) * CHART_W, head + (i / cols) * CHART_H, null);
        }
        g.dispose();
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        ImageIO.write(all, "png", png);
        atomically(dir.resolve("report.png"), png.toByteArray());
        atomically(dir.resolve("report.html"), html(c, images).getBytes(StandardCharsets.UTF_8));
    }

    private static List<Chart<?, ?>> charts(Contents c) {
        List<Chart<?, ?>> charts = new ArrayList<>();
        charts.add(lossChart(c));
        charts.add(learningRateChart(c));
        XYChart metrics = metricsChart(c);
        if (metrics != null) {
            charts.add(metrics);
        }
        Chart<?, ?> task = taskChart(c);
        if (task != null) {
            charts.add(task);
        }
        return charts;
    }

    private static XYChart lossChart(Contents c) {
        XYChart chart = xy("Loss", "loss");
        if (!c.train().isEmpty()) {
            double[] steps = c.train().stream().mapToDouble(TrainPoint::step).toArray();
            double[] loss = c.train().stream().mapToDouble(TrainPoint::loss).toArray();
            XYSeries raw = chart.addSeries("train", steps, loss);
            raw.setMarker(SeriesMarkers.NONE);
            raw.setLineColor(TRAIN_RAW);
            raw.setLineStyle(SeriesLines.DOT_DOT);
            XYSeries smooth = chart.addSeries("train, smoothed", steps, smoothed(loss));
            smooth.setMarker(SeriesMarkers.NONE);
            smooth.setLineColor(TRAIN);
        }
        if (!c.evaluations().isEmpty()) {
            XYSeries v =
                    chart.addSeries(
                            "validation",
                            evalSteps(c),
                            c.evaluations().stream()
                                    .mapToDouble(e -> e.metrics().loss())
                                    .toArray());
            v.setLineColor(VALIDATION);
            v.setMarkerColor(VALIDATION);
            v.setMarker(SeriesMarkers.CIRCLE);
            markBest(
                    chart,
                    c,
                    "validation",
                    c.evaluations().get(Math.max(0, c.best())).metrics().loss());
        }
        return chart;
    }

    private static XYChart learningRateChart(Contents c) {
        XYChart chart = xy("Learning rate", "learning rate");
        int total = c.schedule().totalSteps();
        int points = Math.max(2, Math.min(total, 400));
        double[] x = new double[points];
        double[] y = new double[points];
        for (int i = 0; i < points; i++) {
            int step = 1 + (int) ((long) i * (total - 1) / (points - 1));
            x[i] = step;
            y[i] = c.schedule().at(step);
        }
        XYSeries s = chart.addSeries("learning rate", x, y);
        s.setMarker(SeriesMarkers.NONE);
        chart.getStyler().setYAxisDecimalPattern("0.0E0");
        chart.getStyler().setLegendVisible(false);
        return chart;
    }

    private static XYChart metricsChart(Contents c) {
        if (c.evaluations().isEmpty() || c.evaluations().get(0).metrics().plotted().isEmpty()) {
            return null;
        }
        XYChart chart = xy("Validation metrics", "");
        chart.getStyler().setYAxisMin(0.0).setYAxisMax(1.0);
        double[] steps = evalSteps(c);
        int k = 0;
        for (String name : c.evaluations().get(0).metrics().plotted().keySet()) {
            XYSeries s =
                    chart.addSeries(
                            name,
                            steps,
                            c.evaluations().stream()
                                    .mapToDouble(e -> e.metrics().plotted().get(name))
                                    .toArray());
            Color color = METRIC_COLORS[k++ % METRIC_COLORS.length];
            s.setLineColor(color);
            s.setMarkerColor(color);
            s.setMarker(SeriesMarkers.CIRCLE);
        }
        if (c.best() >= 0) {
            String first = c.evaluations().get(0).metrics().plotted().keySet().iterator().next();
            markBest(chart, c, first, c.evaluations().get(c.best()).metrics().plotted().get(first));
        }
        return chart;
    }

    /** The task's own chart for the best evaluation, if it has one. */
    private static Chart<?, ?> taskChart(Contents c) {
        if (c.best() < 0) {
            return null;
        }
        EvaluationMetrics best = c.evaluations().get(c.best()).metrics();
        int bestStep = c.evaluations().get(c.best()).step();
        if (best instanceof ClassificationMetrics m) {
            return confusion(m, bestStep);
        }
        if (best instanceof LanguageModelMetrics) {
            XYChart chart = xy("Validation perplexity", "perplexity");
            XYSeries s =
                    chart.addSeries(
                            "perplexity",
                            evalSteps(c),
                            c.evaluations().stream()
                                    .mapToDouble(
                                            e -> ((LanguageModelMetrics) e.metrics()).perplexity())
                                    .toArray());
            s.setLineColor(VALIDATION);
            s.setMarkerColor(VALIDATION);
            s.setMarker(SeriesMarkers.CIRCLE);
            markBest(chart, c, "perplexity", ((LanguageModelMetrics) best).perplexity());
            return chart;
        }
        if (best instanceof TokenClassificationMetrics m && !m.types().isEmpty()) {
            CategoryChart chart =
                    new CategoryChartBuilder()
                            .width(CHART_W)
                            .height(CHART_H)
                            .title("Entity F1 per type (best, step " + bestStep + ")")
                            .xAxisTitle("entity type")
                            .yAxisTitle("F1")
                            .build();
            style(chart.getStyler());
            chart.getStyler().setYAxisMin(0.0).setYAxisMax(1.0);
            chart.getStyler().setLabelsVisible(true);
            chart.getStyler().setLabelsFont(new Font(Font.SANS_SERIF, Font.BOLD, 13));
            chart.getStyler().setLegendVisible(false);
            List<String> types = new ArrayList<>(m.types().keySet());
            chart.addSeries(
                    "F1",
                    types,
                    // Rounded for the bar labels (XChart prints the value as it is given).
                    types.stream()
                            .map(t -> (Number) (Math.round(m.types().get(t).f1() * 1000) / 1000.0))
                            .toList());
            return chart;
        }
        return null;
    }

    private static HeatMapChart confusion(ClassificationMetrics m, int step) {
        long[][] counts = m.confusion();
        HeatMapChart chart =
                new HeatMapChartBuilder()
                        .width(CHART_W)
                        .height(CHART_H)
                        .title("Confusion matrix (best, step " + step + ")")
                        .xAxisTitle("predicted class")
                        .yAxisTitle("gold class")
                        .build();
        chart.getStyler().setShowValue(true);
        chart.getStyler().setHeatMapValueDecimalPattern("0");
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        chart.getStyler().setPlotBackgroundColor(Color.WHITE);
        chart.getStyler().setRangeColors(new Color[] {new Color(0xf7fbff), new Color(0x08519c)});
        chart.getStyler().setValueFontColor(Color.BLACK);
        int n = counts.length;
        List<Integer> predicted = new ArrayList<>();
        List<Integer> gold = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            predicted.add(i);
            gold.add(n - 1 - i); // class 0 on the top row, as confusion matrices are read
        }
        List<Number[]> cells = new ArrayList<>();
        for (int g = 0; g < n; g++) {
            for (int p = 0; p < n; p++) {
                cells.add(new Number[] {p, n - 1 - g, counts[g][p]});
            }
        }
        chart.addSeries("count", predicted, gold, cells);
        return chart;
    }

    private static XYChart xy(String title, String yTitle) {
        XYChart chart =
                new XYChartBuilder()
                        .width(CHART_W)
                        .height(CHART_H)
                        .title(title)
                        .xAxisTitle("step")
                        .yAxisTitle(yTitle)
                        .build();
        style(chart.getStyler());
        chart.getStyler().setXAxisDecimalPattern("#,##0");
        chart.getStyler().setXAxisTickMarkSpacingHint(90);
        return chart;
    }

    private static void style(Styler styler) {
        styler.setChartBackgroundColor(Color.WHITE);
        // Below the plot: inside, the legend hides the curves of a run that plateaus high.
        styler.setLegendPosition(Styler.LegendPosition.OutsideS);
        styler.setLegendLayout(Styler.LegendLayout.Horizontal);
        styler.setLegendBackgroundColor(new Color(255, 255, 255, 220));
        styler.setChartTitleFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
        styler.setLegendFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        styler.setMarkerSize(6);
        styler.setChartTitleBoxVisible(false);
    }

    /**
     * The best evaluation: a dashed vertical line at its step and a marker on the curve, the value
     * of {@code what} there in the legend.
     */
    private static void markBest(XYChart chart, Contents c, String what, double value) {
        if (c.best() < 0) {
            return;
        }
        int step = c.evaluations().get(c.best()).step();
        XYSeries s =
                chart.addSeries(
                        String.format(
                                Locale.ROOT, "best (step %d): %s %s", step, what, number(value)),
                        new double[] {step},
                        new double[] {value});
        s.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
        s.setMarker(SeriesMarkers.DIAMOND);
        s.setMarkerColor(BEST);
        chart.addAnnotation(new AnnotationLine(step, true, false));
        chart.getStyler().setAnnotationLineColor(BEST);
        chart.getStyler()
                .setAnnotationLineStroke(
                        new BasicStroke(
                                1.5f,
                                BasicStroke.CAP_BUTT,
                                BasicStroke.JOIN_MITER,
                                10f,
                                new float[] {6f, 4f},
                                0f));
    }

    private static double[] evalSteps(Contents c) {
        return c.evaluations().stream().mapToDouble(TrainingReport.Evaluation::step).toArray();
    }

    /** TensorBoard's smoothing: a debiased exponential moving average. */
    static double[] smoothed(double[] values) {
        double[] out = new double[values.length];
        double last = 0;
        for (int i = 0; i < values.length; i++) {
            last = last * SMOOTHING + (1 - SMOOTHING) * values[i];
            out[i] = last / (1 - Math.pow(SMOOTHING, i + 1));
        }
        return out;
    }

    private static String bestLine(Contents c) {
        if (c.best() < 0) {
            return "no evaluation yet";
        }
        TrainingReport.Evaluation<?> b = c.evaluations().get(c.best());
        return "best at step " + b.step() + ": " + b.metrics().summary();
    }

    private static String html(Contents c, List<BufferedImage> images) throws IOException {
        StringBuilder h = new StringBuilder();
        h.append("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>")
                .append(escape(c.title()))
                .append("</title>\n<style>body{font-family:sans-serif;margin:24px;color:#222}")
                .append("table{border-collapse:collapse;margin:8px 0 20px}")
                .append("td,th{border:1px solid #ccc;padding:4px 10px;text-align:left}")
                .append("th{background:#f3f3f3}img{margin:4px;border:1px solid #eee}</style>")
                .append("</head><body>\n<h1>")
                .append(escape(c.title()))
                .append("</h1>\n<p><b>")
                .append(escape(bestLine(c)))
                .append("</b><br>exported model: ")
                .append(
                        c.exported() == null
                                ? "not yet (training)"
                                : "<code>" + escape(c.exported().toString()) + "</code>")
                .append("</p>\n");
        for (BufferedImage img : images) {
            ByteArrayOutputStream png = new ByteArrayOutputStream();
            ImageIO.write(img, "png", png);
            h.append("<img alt=\"chart\" src=\"data:image/png;base64,")
                    .append(Base64.getEncoder().encodeToString(png.toByteArray()))
                    .append("\">\n");
        }
        h.append("<h2>Settings and data</h2>\n<table>\n");
        c.settings()
                .forEach(
                        (k, v) ->
                                h.append("<tr><th>")
                                        .append(escape(k))
                                        .append("</th><td>")
                                        .append(escape(v))
                                        .append("</td></tr>\n"));
        h.append("</table>\n<h2>Evaluations</h2>\n<table>\n<tr><th>step</th><th>epoch</th>")
                .append("<th>train loss</th><th>validation</th></tr>\n");
        for (int i = 0; i < c.evaluations().size(); i++) {
            TrainingReport.Evaluation<?> e = c.evaluations().get(i);
            h.append(i == c.best() ? "<tr style=\"background:#fff3e0\">" : "<tr>")
                    .append("<td>")
                    .append(e.step())
                    .append("</td><td>")
                    .append(e.epoch())
                    .append("</td><td>")
                    .append(number(e.trainLoss()))
                    .append("</td><td>")
                    .append(escape(e.metrics().summary()))
                    .append(i == c.best() ? " (best)" : "")
                    .append("</td></tr>\n");
        }
        h.append("</table>\n</body></html>\n");
        return h.toString();
    }

    private static String number(double v) {
        return String.format(Locale.ROOT, Math.abs(v) >= 100 ? "%.1f" : "%.4f", v);
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    private static void atomically(Path file, byte[] bytes) throws IOException {
        Path tmp = file.resolveSibling("." + file.getFileName() + "." + UUID.randomUUID() + ".tmp");
        Files.write(tmp, bytes);
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
