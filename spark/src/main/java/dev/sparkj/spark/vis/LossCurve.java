package dev.sparkj.spark.vis;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A line plot of training loss against iteration (Java2D): axes with "nice" ticks (1, 2, 5 x 10^k),
 * grid lines, tick labels, axis labels and a title. With more than 50 points the raw curve is drawn
 * light and an exponential moving average (span of about 1/20 of the points) dark on top.
 * Non-finite losses are left out.
 */
public final class LossCurve {
    private LossCurve() {}

    /** One logged loss. */
    public record Point(double iteration, double loss) {}

    static final int LEFT = 72, RIGHT = 24, TOP = 40, BOTTOM = 52;
    static final Color RAW = new Color(0x9ecae1), LINE = new Color(0x1f77b4), GRID = new Color(0xe6e6e6);

    /** Writes an 800 x 500 PNG. */
    public static void writePng(Path file, List<Point> points, String title) throws IOException {
        Png.write(render(points, title, 800, 500), file);
    }

    /** Renders the plot. */
    public static BufferedImage render(List<Point> points, String title, int width, int height) {
        List<Point> pts = new ArrayList<>();
        for (Point p : points) if (Double.isFinite(p.iteration()) && Double.isFinite(p.loss())) pts.add(p);
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, width, height);
            int pw = width - LEFT - RIGHT, ph = height - TOP - BOTTOM;
            double x0 = 0, x1 = 1, y0 = 0, y1 = 1;
            if (!pts.isEmpty()) {
                x0 = pts.getFirst().iteration(); x1 = x0; y0 = pts.getFirst().loss(); y1 = y0;
                for (Point p : pts) {
                    x0 = Math.min(x0, p.iteration()); x1 = Math.max(x1, p.iteration());
                    y0 = Math.min(y0, p.loss()); y1 = Math.max(y1, p.loss());
                }
                if (x1 == x0) { x0 -= 1; x1 += 1; }
                double pad = y1 > y0 ? 0.05 * (y1 - y0) : Math.max(0.1 * Math.abs(y0), 0.5);
                y0 -= pad; y1 += pad;
            }
            Axis xa = new Axis(x0, x1, LEFT, LEFT + pw), ya = new Axis(y0, y1, TOP + ph, TOP);
            // grid and ticks
            g.setStroke(new BasicStroke(1f));
            for (double t : ticks(x0, x1)) {
                int x = (int) Math.round(xa.map(t));
                g.setColor(GRID); g.drawLine(x, TOP, x, TOP + ph);
                g.setColor(Color.BLACK); g.drawLine(x, TOP + ph, x, TOP + ph + 5);
                Text.centred(g, label(t, step(x0, x1)), x, TOP + ph + 19, 12, Font.PLAIN);
            }
            for (double t : ticks(y0, y1)) {
                int y = (int) Math.round(ya.map(t));
                g.setColor(GRID); g.drawLine(LEFT, y, LEFT + pw, y);
                g.setColor(Color.BLACK); g.drawLine(LEFT - 5, y, LEFT, y);
                Text.right(g, label(t, step(y0, y1)), LEFT - 8, y, 12);
            }
            g.setColor(Color.BLACK);
            g.drawRect(LEFT, TOP, pw, ph);
            Text.centred(g, title, width / 2, 26, 15, Font.BOLD);
            Text.centred(g, "iteration", LEFT + pw / 2, height - 12, 13, Font.PLAIN);
            Text.vertical(g, "loss", 18, TOP + ph / 2, 13);
            if (pts.isEmpty()) {
                Text.centred(g, "no finite loss values", LEFT + pw / 2, TOP + ph / 2, 13, Font.ITALIC);
                return img;
            }
            g.setClip(LEFT, TOP, pw + 1, ph + 1);
            boolean smooth = pts.size() > 50;
            line(g, pts, xa, ya, smooth ? RAW : LINE, smooth ? 1f : 1.8f);
            if (smooth) line(g, ema(pts, 2.0 / (Math.max(2, pts.size() / 20) + 1)), xa, ya, LINE, 2f);
            if (pts.size() == 1) {
                g.setColor(LINE);
                g.fillOval((int) xa.map(pts.getFirst().iteration()) - 3, (int) ya.map(pts.getFirst().loss()) - 3, 7, 7);
            }
        } finally {
            g.dispose();
        }
        return img;
    }

    private static void line(Graphics2D g, List<Point> pts, Axis xa, Axis ya, Color c, float width) {
        Path2D.Double path = new Path2D.Double();
        for (int i = 0; i < pts.size(); i++) {
            double x = xa.map(pts.get(i).iteration()), y = ya.map(pts.get(i).loss());
            if (i == 0) path.moveTo(x, y); else path.lineTo(x, y);
        }
        g.setColor(c);
        g.setStroke(new BasicStroke(width, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
        g.draw(path);
    }

    /** Exponential moving average with bias correction (starts at the first value). */
    static List<Point> ema(List<Point> pts, double alpha) {
        List<Point> out = new ArrayList<>(pts.size());
        double m = 0, wsum = 0;
        for (Point p : pts) {
            m = (1 - alpha) * m + alpha * p.loss();
            wsum = (1 - alpha) * wsum + alpha;
            out.add(new Point(p.iteration(), m / wsum));
        }
        return out;
    }

    /** Tick spacing: 1, 2 or 5 x 10^k giving about 5 intervals over [lo, hi]. */
    static double step(double lo, double hi) {
        double raw = (hi - lo) / 5, mag = Math.pow(10, Math.floor(Math.log10(raw))), f = raw / mag;
        return (f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7.5 ? 5 : 10) * mag;
    }

    /** The multiples of {@link #step} inside [lo, hi]. */
    static List<Double> ticks(double lo, double hi) {
        double s = step(lo, hi);
        List<Double> out = new ArrayList<>();
        for (long k = (long) Math.ceil(lo / s - 1e-9); k * s <= hi + 1e-9 * s; k++) out.add(k * s);
        return out;
    }

    /** Formats a tick with as many decimals as its step needs. */
    static String label(double v, double step) {
        int decimals = (int) Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
        if (Math.abs(v) < step * 1e-6) v = 0;
        return String.format(Locale.ROOT, "%." + decimals + "f", v);
    }

    /** Linear map from data to pixel coordinates. */
    private record Axis(double d0, double d1, double p0, double p1) {
        double map(double v) { return p0 + (v - d0) * (p1 - p0) / (d1 - d0); }
    }
}
