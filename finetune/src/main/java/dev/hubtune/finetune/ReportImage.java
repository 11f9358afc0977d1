package dev.hubtune.finetune;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.function.IntToDoubleFunction;
import javax.imageio.ImageIO;

/**
 * {@code report.png} next to the checkpoints: training and validation loss, the learning-rate
 * schedule, and the task's bounded validation metrics (accuracy, macro-F1, next-token accuracy)
 * over the steps, drawn with Java2D (headless).
 */
final class ReportImage {

    private static final int W = 1200;
    private static final int H = 400;
    private static final Color[] COLORS = {
        new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c)
    };

    private ReportImage() {}

    static void write(
            Path file,
            List<? extends TrainingReport.Evaluation<?>> evals,
            LearningRateSchedule schedule)
            throws IOException {
        System.setProperty("java.awt.headless", "true");
        BufferedImage img = new BufferedImage(W, H, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, W, H);
        int n = evals.size();
        int total = schedule.totalSteps();
        panel(
                g,
                0,
                "loss",
                total,
                new String[] {"train", "validation"},
                n,
                new IntToDoubleFunction[] {
                    i -> evals.get(i).trainLoss(), i -> evals.get(i).metrics().loss()
                },
                i -> evals.get(i).step(),
                false);
        panel(
                g,
                1,
                "learning rate",
                total,
                new String[] {"lr"},
                Math.min(total, 400),
                new IntToDoubleFunction[] {
                    i ->
                            schedule.at(
                                    1
                                            + (int)
                                                    ((long) i
                                                            * (total - 1)
                                                            / Math.max(
                                                                    1, Math.min(total, 400) - 1)))
                },
                i -> 1 + (int) ((long) i * (total - 1) / Math.max(1, Math.min(total, 400) - 1)),
                false);
        List<String> curves =
                n == 0 ? List.of() : List.copyOf(evals.get(0).metrics().plotted().keySet());
        panel(
                g,
                2,
                "validation metrics",
                total,
                curves.toArray(String[]::new),
                n,
                curves.stream()
                        .map(
                                c ->
                                        (IntToDoubleFunction)
                                                i -> evals.get(i).metrics().plotted().get(c))
                        .toArray(IntToDoubleFunction[]::new),
                i -> evals.get(i).step(),
                true);
        g.dispose();
        Path tmp = file.resolveSibling("." + file.getFileName() + "." + UUID.randomUUID() + ".tmp");
        ImageIO.write(img, "png", tmp.toFile());
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private static void panel(
            Graphics2D g,
            int index,
            String title,
            int totalSteps,
            String[] names,
            int points,
            IntToDoubleFunction[] series,
            java.util.function.IntUnaryOperator stepOf,
            boolean unitRange) {
        int x0 = index * (W / 3) + 60;
        int y0 = 40;
        int pw = W / 3 - 90;
        int ph = H - 100;
        double min = unitRange ? 0 : Double.MAX_VALUE;
        double max = unitRange ? 1 : -Double.MAX_VALUE;
        if (!unitRange) {
            for (IntToDoubleFunction s : series) {
                for (int i = 0; i < points; i++) {
                    double v = s.applyAsDouble(i);
                    if (Double.isFinite(v)) {
                        min = Math.min(min, v);
                        max = Math.max(max, v);
                    }
                }
            }
            if (min > max) {
                min = 0;
                max = 1;
            }
            if (max - min < 1e-12) {
                max = min + 1;
            }
            min = Math.min(min, 0);
        }
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
        g.drawString(title, x0, y0 - 15);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        g.drawRect(x0, y0, pw, ph);
        g.drawString(String.format(Locale.ROOT, "%.3g", max), x0 - 55, y0 + 10);
        g.drawString(String.format(Locale.ROOT, "%.3g", min), x0 - 55, y0 + ph);
        g.drawString("step " + totalSteps, x0 + pw - 50, y0 + ph + 15);
        for (int s = 0; s < series.length; s++) {
            g.setColor(COLORS[s % COLORS.length]);
            g.setStroke(new BasicStroke(2f));
            int px = -1;
            int py = -1;
            for (int i = 0; i < points; i++) {
                double v = series[s].applyAsDouble(i);
                if (!Double.isFinite(v)) {
                    continue;
                }
                int x = x0 + (int) ((long) pw * stepOf.applyAsInt(i) / Math.max(1, totalSteps));
                int y = y0 + ph - (int) (ph * (v - min) / (max - min));
                if (px >= 0) {
                    g.drawLine(px, py, x, y);
                }
                g.fillOval(x - 2, y - 2, 5, 5);
                px = x;
                py = y;
            }
            g.drawString(names[s], x0 + 10 + s * 90, y0 + ph + 30);
        }
    }
}
