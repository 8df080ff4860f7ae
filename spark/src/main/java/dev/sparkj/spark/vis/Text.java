package dev.sparkj.spark.vis;

import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;

/**
 * Best-effort text drawing for the pictures: on a headless machine without usable fonts Java2D can
 * fail inside its font code, and a missing label must never cost a training run its picture.
 */
final class Text {
    private Text() {}

    static {
        if (System.getProperty("java.awt.headless") == null) System.setProperty("java.awt.headless", "true");
    }

    /** Draws {@code s} with its baseline centred horizontally on {@code cx}; false if text is unavailable. */
    static boolean centred(Graphics2D g, String s, int cx, int baseline, int size, int style) {
        try {
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setFont(new Font(Font.SANS_SERIF, style, size));
            FontMetrics fm = g.getFontMetrics();
            g.drawString(s, cx - fm.stringWidth(s) / 2, baseline);
            return true;
        } catch (RuntimeException | LinkageError | InternalError e) {
            return false;
        }
    }

    /** Draws {@code s} right-aligned at {@code right}, vertically centred on {@code cy}. */
    static boolean right(Graphics2D g, String s, int right, int cy, int size) {
        try {
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, size));
            FontMetrics fm = g.getFontMetrics();
            g.drawString(s, right - fm.stringWidth(s), cy + (fm.getAscent() - fm.getDescent()) / 2);
            return true;
        } catch (RuntimeException | LinkageError | InternalError e) {
            return false;
        }
    }

    /** Draws {@code s} rotated 90 degrees anticlockwise, centred on (cx, cy). */
    static boolean vertical(Graphics2D g, String s, int cx, int cy, int size) {
        var saved = g.getTransform();
        try {
            g.translate(cx, cy);
            g.rotate(-Math.PI / 2);
            return centred(g, s, 0, size / 3, size, Font.PLAIN);
        } finally {
            g.setTransform(saved);
        }
    }
}
