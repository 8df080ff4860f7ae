package dev.sparkj.spark.data;

/** A crop rectangle in pixels, as torchvision's {@code (i, j, h, w)}: top row, left column, height, width. */
public record CropBox(int top, int left, int height, int width) {}
