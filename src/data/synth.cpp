#include "facenet/data/synth.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <random>
#include <set>
#include <sstream>

#include "facenet/core/error.h"
#include "facenet/core/fs.h"
#include "parallel.h"
#include "splitmix.h"

namespace facenet::data {
namespace {


/// Small deterministic generator helpers (same numbers on every standard library).
struct Rand {
  std::mt19937_64 g;
  explicit Rand(uint64_t seed) : g(seed) {}
  double u() { return static_cast<double>(g() >> 11) * 0x1.0p-53; }
  double u(double lo, double hi) { return lo + (hi - lo) * u(); }
  int i(int n) { return static_cast<int>(u() * n); }
  bool p(double prob) { return u() < prob; }
};

cv::Scalar mix_colour(const cv::Scalar& a, const cv::Scalar& b, double t) { return a * (1 - t) + b * t; }

cv::Scalar jitter(Rand& r, const cv::Scalar& c, double amount) {
  cv::Scalar out;
  for (int k = 0; k < 3; ++k) out[k] = std::clamp(c[k] + r.u(-amount, amount), 0.0, 255.0);
  return out;
}

/// What stays the same across an identity's images.
struct Traits {
  double face_w, face_h;  // half-axes as fractions of the image side
  int jaw;                // 0 oval, 1 square, 2 pointed
  cv::Scalar skin, hair, iris, lips, frame;
  int hair_style;         // 0 bald, 1 short, 2 long, 3 tall
  double hairline;        // fraction of face_h from the top that hair covers
  double eye_dx, eye_y, eye_r, eye_aspect;
  double brow_gap, brow_tilt;
  int brow_thick;
  double nose_len, nose_w;
  int nose_style;
  double mouth_y, mouth_w;
  int lip_thick;
  double ear_r;
  bool glasses, round_glasses, beard, moustache, mole;
  double mole_x, mole_y;
};

Traits draw_traits(uint64_t seed) {
  Rand r(seed);
  Traits t{};
  t.face_w = r.u(0.24, 0.31);
  t.face_h = r.u(0.31, 0.38);
  t.jaw = r.i(3);
  // Skin tones from light to dark (BGR).
  t.skin = jitter(r, mix_colour({200, 220, 250}, {50, 80, 130}, r.u()), 12);
  static const cv::Scalar hair_palette[] = {{20, 20, 25}, {30, 50, 90}, {60, 110, 170}, {120, 180, 230},
                                            {40, 60, 160}, {170, 170, 175}, {235, 235, 235}};
  t.hair = jitter(r, hair_palette[r.i(7)], 15);
  static const cv::Scalar iris_palette[] = {{20, 40, 70}, {140, 100, 40}, {60, 120, 50}, {30, 30, 30}};
  t.iris = iris_palette[r.i(4)];
  t.lips = jitter(r, mix_colour(t.skin, {60, 60, 170}, r.u(0.3, 0.7)), 10);
  t.frame = jitter(r, r.p(0.5) ? cv::Scalar(20, 20, 20) : cv::Scalar(40, 90, 160), 30);
  t.hair_style = r.i(4);
  t.hairline = r.u(0.18, 0.38);
  t.eye_dx = r.u(0.32, 0.48);
  t.eye_y = r.u(-0.22, -0.05);
  t.eye_r = r.u(0.10, 0.16);
  t.eye_aspect = r.u(0.45, 0.8);
  t.brow_gap = r.u(0.10, 0.2);
  t.brow_tilt = r.u(-0.08, 0.08);
  t.brow_thick = 1 + r.i(4);
  t.nose_len = r.u(0.18, 0.34);
  t.nose_w = r.u(0.08, 0.2);
  t.nose_style = r.i(2);
  t.mouth_y = r.u(0.36, 0.55);
  t.mouth_w = r.u(0.28, 0.55);
  t.lip_thick = 1 + r.i(4);
  t.ear_r = r.u(0.12, 0.22);
  t.glasses = r.p(0.3);
  t.round_glasses = r.p(0.5);
  t.beard = r.p(0.22);
  t.moustache = r.p(0.25);
  t.mole = r.p(0.3);
  t.mole_x = r.u(-0.6, 0.6);
  t.mole_y = r.u(-0.1, 0.5);
  return t;
}

/// Draws the face (traits + expression/yaw of this image) in a canonical frame onto
/// `face` and its coverage onto `mask`.
void draw_face(const Traits& t, Rand& r, int size, cv::Mat& face, cv::Mat& mask) {
  const double S = size;
  const int sh = 4;  // sub-pixel bits for smooth anti-aliased drawing
  const double k = 1 << sh;
  auto P = [&](double x, double y) { return cv::Point(cvRound(x * k), cvRound(y * k)); };
  auto L = [&](double v) { return cvRound(v * k); };
  face.create(size, size, CV_8UC3);
  face.setTo(cv::Scalar::all(0));
  mask.create(size, size, CV_8UC1);
  mask.setTo(0);
  const double cx = S / 2, cy = S * 0.54, fw = t.face_w * S, fh = t.face_h * S;
  const double yaw = r.u(-1, 1);           // features slide sideways with a yaw-like turn
  const double fx = cx + yaw * fw * 0.18;  // feature centre
  const double smile = r.u(-0.4, 1.0), open = r.u(0.6, 1.1);
  const auto both = [&](auto&& draw) {  // draw on the image and the mask alike
    draw(face, cv::Scalar());
    draw(mask, cv::Scalar(255));
  };
  // Long hair behind the head.
  if (t.hair_style == 2)
    both([&](cv::Mat& m, cv::Scalar c) {
      const auto col = m.channels() == 1 ? c : t.hair;
      cv::rectangle(m, P(cx - fw * 1.15, cy - fh * 0.5), P(cx + fw * 1.15, cy + fh * 0.75), col, cv::FILLED,
                    cv::LINE_AA, sh);
    });
  // Ears, head.
  both([&](cv::Mat& m, cv::Scalar c) {
    const auto col = m.channels() == 1 ? c : t.skin * 0.92;
    for (int side : {-1, 1})
      cv::ellipse(m, P(cx + side * fw * 0.97, cy - fh * 0.05), cv::Size(L(t.ear_r * fw), L(t.ear_r * fw * 1.6)), 0,
                  0, 360, col, cv::FILLED, cv::LINE_AA, sh);
    const auto skin = m.channels() == 1 ? c : t.skin;
    cv::ellipse(m, P(cx, cy), cv::Size(L(fw), L(fh)), 0, 0, 360, skin, cv::FILLED, cv::LINE_AA, sh);
    if (t.jaw == 1) {
      cv::rectangle(m, P(cx - fw * 0.86, cy), P(cx + fw * 0.86, cy + fh * 0.82), skin, cv::FILLED, cv::LINE_AA, sh);
    } else if (t.jaw == 2) {
      std::vector<cv::Point> chin{P(cx - fw * 0.9, cy + fh * 0.2), P(cx + fw * 0.9, cy + fh * 0.2),
                                  P(cx, cy + fh * 1.12)};
      cv::fillConvexPoly(m, chin, skin, cv::LINE_AA, sh);
    }
  });
  // Hair on top.
  if (t.hair_style != 0)
    both([&](cv::Mat& m, cv::Scalar c) {
      const auto col = m.channels() == 1 ? c : t.hair;
      const double top = t.hair_style == 3 ? 1.35 : 1.08;
      cv::ellipse(m, P(cx, cy - fh * (1 - t.hairline)), cv::Size(L(fw * 1.04), L(fh * t.hairline * top + fh * 0.12)),
                  0, 180, 360, col, cv::FILLED, cv::LINE_AA, sh);
      cv::rectangle(m, P(cx - fw * 1.02, cy - fh * (1 - t.hairline)), P(cx + fw * 1.02, cy - fh * (1 - t.hairline) + fh * 0.08),
                    col, cv::FILLED, cv::LINE_AA, sh);
    });
  // Features: face only (the mask already covers them).
  const double ey = cy + t.eye_y * fh, ex = t.eye_dx * fw, er = t.eye_r * fw;
  for (int side : {-1, 1}) {
    const double x = fx + side * ex * (1 - side * yaw * 0.12);
    cv::ellipse(face, P(x, ey), cv::Size(L(er), L(er * t.eye_aspect * open)), 0, 0, 360, cv::Scalar(245, 245, 245),
                cv::FILLED, cv::LINE_AA, sh);
    cv::circle(face, P(x + yaw * er * 0.3, ey), L(er * 0.5 * std::min(1.0, t.eye_aspect * open * 1.6)), t.iris,
               cv::FILLED, cv::LINE_AA, sh);
    cv::circle(face, P(x + yaw * er * 0.3, ey), L(er * 0.2), cv::Scalar(10, 10, 10), cv::FILLED, cv::LINE_AA, sh);
    const double by = ey - er * t.eye_aspect - t.brow_gap * fh * 0.5;
    cv::line(face, P(x - er * 1.1, by + side * t.brow_tilt * fh), P(x + er * 1.1, by - side * t.brow_tilt * fh),
             t.hair * 0.7, t.brow_thick + 1, cv::LINE_AA, sh);
    if (t.glasses) {
      if (t.round_glasses)
        cv::circle(face, P(x, ey), L(er * 1.5), t.frame, 2, cv::LINE_AA, sh);
      else
        cv::rectangle(face, P(x - er * 1.5, ey - er * 1.1), P(x + er * 1.5, ey + er * 1.1), t.frame, 2, cv::LINE_AA, sh);
    }
  }
  if (t.glasses)
    cv::line(face, P(fx - ex + er * 1.5, ey), P(fx + ex - er * 1.5, ey), t.frame, 2, cv::LINE_AA, sh);
  // Nose.
  const double ny = ey + t.nose_len * fh, nw = t.nose_w * fw;
  if (t.nose_style == 0) {
    std::vector<cv::Point> nose{P(fx + yaw * 2, ey + er * 0.5), P(fx - nw + yaw * 3, ny), P(fx + nw + yaw * 3, ny)};
    cv::fillConvexPoly(face, nose, t.skin * 0.8, cv::LINE_AA, sh);
  } else {
    cv::line(face, P(fx + yaw * 3, ey + er), P(fx + yaw * 4, ny), t.skin * 0.7, 2, cv::LINE_AA, sh);
    cv::ellipse(face, P(fx + yaw * 4, ny), cv::Size(L(nw), L(nw * 0.5)), 0, 0, 180, t.skin * 0.7, 2, cv::LINE_AA, sh);
  }
  // Beard, moustache, mouth.
  const double my = cy + t.mouth_y * fh, mw = t.mouth_w * fw;
  if (t.beard) {
    cv::ellipse(face, P(cx, cy + fh * 0.45), cv::Size(L(fw * 0.85), L(fh * 0.55)), 0, 0, 180, t.hair * 0.9, cv::FILLED,
                cv::LINE_AA, sh);
    cv::ellipse(face, P(fx, my), cv::Size(L(mw * 1.1), L(fh * 0.09)), 0, 0, 360, t.skin, cv::FILLED, cv::LINE_AA, sh);
  }
  if (t.moustache)
    cv::ellipse(face, P(fx, my - fh * 0.07), cv::Size(L(mw * 0.9), L(fh * 0.05)), 0, 180, 360, t.hair * 0.8,
                cv::FILLED, cv::LINE_AA, sh);
  const double curve = smile * fh * 0.08;
  std::vector<cv::Point> lips;
  for (int s = 0; s <= 12; ++s) {
    const double u = s / 12.0 * 2 - 1;
    lips.push_back(P(fx + u * mw, my + curve * (1 - u * u) - curve * 0.5));
  }
  cv::polylines(face, lips, false, t.lips, t.lip_thick + 1, cv::LINE_AA, sh);
  if (t.mole)
    cv::circle(face, P(fx + t.mole_x * fw * 0.7, cy + t.mole_y * fh), L(std::max(1.0, S * 0.012)), t.hair * 0.5,
               cv::FILLED, cv::LINE_AA, sh);
}

void draw_background(Rand& r, int size, cv::Mat& bg) {
  const cv::Scalar a(r.u(0, 255), r.u(0, 255), r.u(0, 255)), b(r.u(0, 255), r.u(0, 255), r.u(0, 255));
  bg.create(size, size, CV_8UC3);
  const bool vertical = r.p(0.5);
  for (int y = 0; y < size; ++y) {
    auto* row = bg.ptr<cv::Vec3b>(y);
    for (int x = 0; x < size; ++x) {
      const double t = static_cast<double>(vertical ? y : x) / (size - 1);
      for (int c = 0; c < 3; ++c) row[x][c] = cv::saturate_cast<uint8_t>(a[c] * (1 - t) + b[c] * t);
    }
  }
  const int shapes = 2 + r.i(5);
  for (int s = 0; s < shapes; ++s) {
    const cv::Scalar c(r.u(0, 255), r.u(0, 255), r.u(0, 255));
    const cv::Point p(r.i(size), r.i(size));
    const int rad = 4 + r.i(size / 4);
    if (r.p(0.5))
      cv::circle(bg, p, rad, c, cv::FILLED, cv::LINE_AA);
    else
      cv::rectangle(bg, p, p + cv::Point(rad, rad / 2 + 2), c, cv::FILLED, cv::LINE_AA);
  }
}

}  // namespace

std::string synth_identity_name(int split, int64_t identity) {
  char buf[32];
  std::snprintf(buf, sizeof buf, split == 0 ? "id%05lld" : "test%05lld", static_cast<long long>(identity + 1));
  return buf;
}

void render_synth_face(uint64_t seed, int split, int64_t identity, int64_t image, int size, cv::Mat& out) {
  const uint64_t id_seed = splitmix(splitmix(seed ^ 0x5eedf00dULL) + static_cast<uint64_t>(split) * 0x100000000ULL +
                                    static_cast<uint64_t>(identity));
  const Traits traits = draw_traits(id_seed);
  const uint64_t img_seed = splitmix(id_seed ^ splitmix(static_cast<uint64_t>(image) + 1));
  Rand r(img_seed);
  cv::Mat face, mask, bg;
  draw_face(traits, r, size, face, mask);
  draw_background(r, size, bg);
  // Pose: rotation, scale, yaw-like horizontal squash and shift about the image centre.
  const double angle = r.u(-12, 12), scale = r.u(0.85, 1.1), squash = r.u(0.82, 1.0);
  const double dx = r.u(-0.06, 0.06) * size, dy = r.u(-0.05, 0.05) * size;
  cv::Mat rot = cv::getRotationMatrix2D(cv::Point2f(size / 2.f, size / 2.f), angle, scale);
  rot.at<double>(0, 0) *= squash;
  rot.at<double>(1, 0) *= squash;  // squash x before rotating: columns scale the source x axis
  rot.at<double>(0, 2) = size / 2.0 - rot.at<double>(0, 0) * size / 2.0 - rot.at<double>(0, 1) * size / 2.0 + dx;
  rot.at<double>(1, 2) = size / 2.0 - rot.at<double>(1, 0) * size / 2.0 - rot.at<double>(1, 1) * size / 2.0 + dy;
  cv::Mat wface, wmask;
  cv::warpAffine(face, wface, rot, face.size(), cv::INTER_LINEAR, cv::BORDER_CONSTANT);
  cv::warpAffine(mask, wmask, rot, mask.size(), cv::INTER_LINEAR, cv::BORDER_CONSTANT);
  // Composite, with a lighting gradient across the face.
  const double light = r.u(0.65, 1.25), light_slope = r.u(-0.35, 0.35);
  out.create(size, size, CV_8UC3);
  for (int y = 0; y < size; ++y) {
    const auto* f = wface.ptr<cv::Vec3b>(y);
    const auto* m = wmask.ptr<uint8_t>(y);
    const auto* b = bg.ptr<cv::Vec3b>(y);
    auto* o = out.ptr<cv::Vec3b>(y);
    for (int x = 0; x < size; ++x) {
      const double a = m[x] / 255.0, l = light * (1 + light_slope * (2.0 * x / size - 1));
      for (int c = 0; c < 3; ++c) o[x][c] = cv::saturate_cast<uint8_t>((f[x][c] * a + b[x][c] * (1 - a)) * l);
    }
  }
  // Partial occlusion: a hand/object-like block.
  if (r.p(0.2)) {
    const int w = static_cast<int>(size * r.u(0.2, 0.45)), h = static_cast<int>(size * r.u(0.15, 0.3));
    const cv::Point p(r.i(size - w), r.i(size - h));
    cv::rectangle(out, cv::Rect(p, cv::Size(w, h)), cv::Scalar(r.u(0, 255), r.u(0, 255), r.u(0, 255)), cv::FILLED,
                  cv::LINE_AA);
  }
  if (r.p(0.5)) {
    const double sigma = r.u(0.3, 1.3);
    cv::GaussianBlur(out, out, cv::Size(0, 0), sigma);
  }
  const double noise = r.u(0, 8);
  cv::Mat n(size, size, CV_16SC3);
  cv::RNG cvrng(img_seed);
  cvrng.fill(n, cv::RNG::NORMAL, 0, noise);
  cv::Mat o16;
  out.convertTo(o16, CV_16SC3);
  o16 += n;
  o16.convertTo(out, CV_8UC3);
}

SynthResult synthesize_dataset(const SynthOptions& o) {
  if (o.out.empty()) throw Error("synth: --out is required");
  if (o.identities < 0 || o.images_per_identity < 1) throw Error("synth: identities must be >= 0 and images per identity >= 1");
  if (o.image_size < 32 || o.image_size > 1024) throw Error("synth: image size must be in [32, 1024]");
  const int64_t test_images = o.test_images_per_identity > 0 ? o.test_images_per_identity : o.images_per_identity;
  if (o.pair_identities == 1 || (o.pair_identities > 0 && test_images < 2))
    throw Error("synth: pairs need >= 2 pair identities and >= 2 images per test identity");
  if (o.pair_identities > 0 && (o.folds < 1 || o.pairs_per_fold < 1)) throw Error("synth: folds and pairs per fold must be >= 1");

  struct Job {
    int split;
    int64_t identity, image;
  };
  std::vector<Job> jobs;
  for (int64_t id = 0; id < o.identities; ++id)
    for (int64_t i = 0; i < o.images_per_identity; ++i) jobs.push_back({0, id, i});
  for (int64_t id = 0; id < o.pair_identities; ++id)
    for (int64_t i = 0; i < test_images; ++i) jobs.push_back({1, id, i});
  const auto start = std::chrono::steady_clock::now();
  const std::vector<int> params{cv::IMWRITE_JPEG_QUALITY, o.jpeg_quality};
  parallel_for(static_cast<int64_t>(jobs.size()), o.threads, [&](int64_t j) {
    const auto& job = jobs[j];
    cv::Mat img;
    render_synth_face(o.seed, job.split, job.identity, job.image, static_cast<int>(o.image_size), img);
    std::vector<uint8_t> bytes;
    if (!cv::imencode(".jpg", img, bytes, params)) throw Error("synth: JPEG encoding failed");
    const auto name = synth_identity_name(job.split, job.identity);
    char file[64];
    std::snprintf(file, sizeof file, "_%04lld.jpg", static_cast<long long>(job.image + 1));
    write_file_atomic(o.out + (job.split == 0 ? "/train/" : "/test/") + name + "/" + name + file,
                      std::string(bytes.begin(), bytes.end()));
  });

  SynthResult result;
  result.train_images = o.identities * o.images_per_identity;
  result.test_images = o.pair_identities * test_images;
  if (o.pair_identities > 0) {
    // LFW pairs.txt: `folds pairs_per_fold`, then per fold that many matched (`name i j`)
    // and mismatched (`name1 i name2 j`) lines, 1-based. Folds use disjoint identities
    // when there are at least 2 per fold, as LFW's do.
    Rand r(splitmix(o.seed ^ 0x9a125ULL));
    const bool disjoint = o.pair_identities >= 2 * o.folds;
    std::ostringstream out;
    out << o.folds << "\t" << o.pairs_per_fold << "\n";
    std::set<std::string> seen;
    for (int64_t f = 0; f < o.folds; ++f) {
      std::vector<int64_t> ids;
      for (int64_t id = 0; id < o.pair_identities; ++id)
        if (!disjoint || id % o.folds == f) ids.push_back(id);
      const auto n = static_cast<int>(ids.size());
      auto unique_line = [&](auto make) {
        std::string line;
        for (int attempt = 0; attempt < 50; ++attempt)
          if (seen.insert(line = make()).second) break;
        out << line << "\n";
      };
      for (int64_t p = 0; p < o.pairs_per_fold; ++p)
        unique_line([&] {
          const auto name = synth_identity_name(1, ids[r.i(n)]);
          int64_t i = r.i(static_cast<int>(test_images)), j = r.i(static_cast<int>(test_images) - 1);
          if (j >= i) ++j;
          if (i > j) std::swap(i, j);
          return name + "\t" + std::to_string(i + 1) + "\t" + std::to_string(j + 1);
        });
      for (int64_t p = 0; p < o.pairs_per_fold; ++p)
        unique_line([&] {
          const int a = r.i(n);
          int b = r.i(n - 1);
          if (b >= a) ++b;
          return synth_identity_name(1, ids[a]) + "\t" + std::to_string(r.i(static_cast<int>(test_images)) + 1) + "\t" +
                 synth_identity_name(1, ids[b]) + "\t" + std::to_string(r.i(static_cast<int>(test_images)) + 1);
        });
    }
    write_file_atomic(o.out + "/test/pairs.txt", out.str());
    result.pairs = 2 * o.folds * o.pairs_per_fold;
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  spdlog::info("[data] synth: {} train images ({} identities), {} test images ({} identities), {} pairs in {:.1f} s -> {}",
               result.train_images, o.identities, result.test_images, o.pair_identities, result.pairs, secs, o.out);
  return result;
}

}  // namespace facenet::data
