"""The uint8 colour tests answer exactly what the numpy expressions they replace answer."""

import numpy as np
import pytest

from extraction.pixels import differ, far_from_colour, near_colour


def _image(rng: np.random.Generator) -> np.ndarray:
    img = rng.integers(0, 256, (60, 80, 3), dtype=np.uint8)
    img[20:40] = rng.integers(90, 120, (20, 80, 3))  # a band close to the test colours
    return img


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int16])
def test_near_colour_matches_the_numpy_test(dtype):
    rng = np.random.default_rng(7)
    img = _image(rng)
    for _ in range(200):
        colour = rng.integers(0, 256, 3) if dtype == np.int16 else rng.uniform(-10.0, 265.0, 3)
        tolerance = float(rng.choice([0.0, 4.0, 6.0, 10.0, 24.0, 28.0, 40.0, rng.uniform(0.0, 80.0)]))
        crop = img[rng.integers(0, 20):rng.integers(40, 60), rng.integers(0, 20):rng.integers(40, 80)]
        expected = np.abs(crop.astype(dtype) - np.asarray(colour, dtype)).max(axis=-1) <= tolerance
        assert np.array_equal(near_colour(crop, colour, tolerance, dtype), expected)
        pixels = crop[crop[..., 0] > 100]  # N x 3, as gathered under a mask
        assert np.array_equal(far_from_colour(pixels, colour, tolerance, dtype),
                              np.abs(pixels.astype(dtype) - np.asarray(colour, dtype)).max(axis=-1) > tolerance)


def test_colour_tests_of_nothing_are_empty():
    assert far_from_colour(np.zeros((0, 3), np.uint8), (1, 2, 3), 4.0).shape == (0,)
    assert not near_colour(np.zeros((5, 5, 3), np.uint8), (255, 255, 255), 4.0).any()
    assert near_colour(np.zeros((5, 5, 3), np.uint8), (300.0, 0, 0), 1000.0).all()


def test_differ_matches_the_int16_difference():
    rng = np.random.default_rng(3)
    a, b = _image(rng), _image(rng)
    for threshold in (-1, 0, 1, 28, 254, 255, 300):
        expected = np.abs(a.astype(np.int16) - b.astype(np.int16)).max(axis=2) > threshold
        assert np.array_equal(differ(a, b, threshold), expected)



def test_a_colour_of_nan_is_near_nothing_and_far_from_nothing():
    pixels = np.zeros((4, 4, 3), np.uint8)
    assert not near_colour(pixels, (np.nan, 0.0, 0.0), 10.0).any()
    assert not far_from_colour(pixels, (np.nan, 0.0, 0.0), 10.0).any()
