// SPDX-License-Identifier: GPL-2.0
/*
 * The HTML report in a real browser: 'mmstall report --format html' of
 * stored fixtures must hold its SVG plots and no external reference, and
 * headless Chromium (Debian's chromium package) must render it from disk
 * into a screenshot that is not blank, while its network log shows no
 * request made by the page (Chromium's own update and account pings are
 * told apart by host).  Skips (77) the browser part when chromium is not
 * installed: apt-get install chromium.
 */
#include <dirent.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "harness/proc.h"
#include "tests/results_fixture.h"
#include "tests/test_util.h"

#define BLANK_PAGE "<!DOCTYPE html><html><body></body></html>\n"

static char top[] = "/tmp/mmstall-test-html-XXXXXX";

static const char *browser(void)
{
	static const char *const names[] = { "chromium", "chromium-browser", "google-chrome" };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(names); i++)
		if (have_program(names[i]))
			return names[i];
	return NULL;
}

/* Screenshot url into png, network log into netlog; exit code. */
static int shoot(const char *b, const char *html, const char *png, const char *netlog)
{
	char profile[PATH_MAX + 32], shot[PATH_MAX + 16], net[PATH_MAX + 16], url[PATH_MAX + 8];
	char *argv[] = { "timeout", "120", (char *)b, "--headless", "--no-sandbox", "--disable-gpu",
			 "--disable-background-networking", "--disable-component-update", "--disable-sync",
			 "--no-first-run", profile, shot, net, "--window-size=1200,2000", url, NULL };
	char dir[PATH_MAX];
	int code;

	snprintf(dir, sizeof(dir), "%s/profile-XXXXXX", top);
	if (!mkdtemp(dir))
		return -1;
	snprintf(profile, sizeof(profile), "--user-data-dir=%s", dir);
	snprintf(shot, sizeof(shot), "--screenshot=%s", png);
	snprintf(net, sizeof(net), "--log-net-log=%s", netlog);
	snprintf(url, sizeof(url), "file://%s", html);
	code = proc_run(argv, NULL, -1, -1, -1);
	rm_rf(dir);
	return code;
}

static long file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) ? -1 : (long)st.st_size;
}

/* URLs of the page's own requests in a net log: anything but Chromium's services. */
static int page_requests(const char *netlog)
{
	static const char *const own[] = { ".google.com/", ".googleapis.com/", ".gvt1.com/", ".gstatic.com/" };
	char *log = NULL, *p, *end;
	int n = 0;
	size_t i;

	if (read_file(netlog, &log, NULL))
		return -1;
	for (p = log; (p = strstr(p, "\"url\":\"http")); p = end) {
		bool chromium = false;

		p += 7;
		end = strchr(p, '"');
		if (!end)
			break;
		*end++ = '\0';
		for (i = 0; i < ARRAY_SIZE(own); i++)
			chromium |= strstr(p, own[i]) != NULL;
		if (!chromium) {
			fprintf(stderr, "the page made a network request: %s\n", p);
			n++;
		}
	}
	free(log);
	return n;
}

/*
 * Give the maps probe of every successful run in dir a "slowest" list as
 * 'mmstall run' writes it (64 samples sorted by time, stalls in bursts);
 * status keeps none, as in results of an older mmstall.
 */
static void add_slowest(const char *dir)
{
	struct dirent *de;
	DIR *d = opendir(dir);
	int nrun = 0;

	if (!CHECK(d != NULL))
		return;
	while ((de = readdir(d))) {
		char path[PATH_MAX + 256];
		json_t *r, *maps, *a;
		json_error_t je;
		int k;

		if (!strstr(de->d_name, ".json"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		r = json_load_file(path, 0, &je);
		maps = json_object_get(json_object_get(r, "probes"), "maps");
		if (!maps) {
			json_decref(r);
			continue;
		}
		a = json_array();
		for (k = 0; k < 64; k++) {
			double t = 30.0 * k / 64 + 0.1 * nrun, burst = (k / 8) % 3 == 1 ? 20 : 1;
			double lat = 1e6 * burst * (1 + 0.5 * sin(k + nrun)) * (strstr(de->d_name, "new") ? 1.5 : 1);

			json_array_append_new(a, json_pack("{s:f,s:I,s:I,s:i}", "t_s", t, "corrected_ns",
							   (json_int_t)lat, "service_ns", (json_int_t)(lat / 3),
							   "thread", k % 4));
		}
		json_object_set_new(maps, "slowest", a);
		CHECK_INT(0, result_save(path, r));
		json_decref(r);
		nrun++;
	}
	closedir(d);
	CHECK_INT(10, nrun);
}

static int count(const char *hay, const char *needle)
{
	int n = 0;

	for (; (hay = strstr(hay, needle)); hay++)
		n++;
	return n;
}

int main(int argc, char **argv)
{
	char dir[PATH_MAX], html[PATH_MAX], png[PATH_MAX], blank[PATH_MAX], blank_png[PATH_MAX];
	char netlog[PATH_MAX], *out, *err, *page = NULL;
	const char *b;
	long shot, ref;
	int code;

	if ((code = fx_start(argc, argv, top)))
		return code;
	snprintf(dir, sizeof(dir), "%s/slow", top);
	snprintf(html, sizeof(html), "%s/report.html", top);
	fx_compare(dir, 1.5, "host", false);
	add_slowest(dir);
	code = fx_exec((const char *[]){ "report", "--format", "html", "--output", html, dir, NULL }, &out, &err);
	CHECK_INT(0, code);
	free(out);
	free(err);
	CHECK(!read_file(html, &page, NULL));
	if (page) {
		/*
		 * per probe a CDF and a latency dot plot, maps' per-boot stall index dots,
		 * a timeline for maps, whose runs stored sample times
		 */
		CHECK_INT(6, count(page, "<svg "));
		CHECK_INT(4, count(page, "class='cdf-line'"));
		CHECK_INT(1, count(page, "class='plot timeline'"));
		CHECK_INT(10 * 64 + 2, count(page, "class='tl-pt'"));	/* every sample, and the legend */
		CHECK(strstr(page, "rep 3, thread 1: at ") != NULL);
		/* status has none (as results of an older mmstall): said, not drawn */
		CHECK_INT(1, count(page, "No sample times stored"));
		CHECK(!strstr(page, "http://") && !strstr(page, "https://"));
		CHECK(!strstr(page, "<script") && !strstr(page, "<link") && !strstr(page, "<img"));
		free(page);
	}
	b = browser();
	if (!b) {
		printf("SKIP: no chromium (apt-get install chromium): page checked as text only\n");
		if (!test_failed)
			rm_rf(top);
		return test_failed ? 1 : 77;
	}
	/* a blank page's screenshot: the size a page of plots must well exceed */
	snprintf(blank, sizeof(blank), "%s/blank.html", top);
	snprintf(blank_png, sizeof(blank_png), "%s/blank.png", top);
	write_file_atomic(blank, BLANK_PAGE, strlen(BLANK_PAGE));
	snprintf(png, sizeof(png), "%s/report.png", top);
	snprintf(netlog, sizeof(netlog), "%s/netlog.json", top);
	CHECK_INT(0, shoot(b, blank, blank_png, netlog));
	CHECK_INT(0, shoot(b, html, png, netlog));
	shot = file_size(png);
	ref = file_size(blank_png);
	printf("screenshot %s: %ld bytes (blank page: %ld)\n", png, shot, ref);
	CHECK(ref > 0 && shot > 4 * ref);
	CHECK_INT(0, page_requests(netlog));
	return fx_finish(top);
}
