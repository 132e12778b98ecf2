#!/usr/bin/env python3
"""Writes the large seeds of the fuzz targets (too big to commit) into OUT/<target>/:
pathological HTML (deep nesting, unclosed tags, many elements), deeply nested JSON in a
request body and a rule file, and long CSV, robots.txt and cron inputs. Deterministic."""
import os
import sys

BAD = b"\xff\xfe\xc0\xaf\xed\xa0\x80\xf4\x90\x80\x80"


def write(out, target, name, data):
    folder = os.path.join(out, target)
    os.makedirs(folder, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)


def main():
    out = sys.argv[1]
    # HTML: past the depth and element limits of html_bounds, unclosed and misnested.
    write(out, "html", "deep_div_20000", "<div>" * 20000)
    write(out, "html", "deep_unclosed_mixed", "<table><tr><td><p><span><a><b><i>" * 3000)
    write(out, "html", "many_elements_120000", "<br>" * 120000)
    write(out, "html", "deep_then_text", "<div>" * 600 + "powered by Texty" + "</div>" * 600)
    write(out, "html", "deep_invalid_utf8", (b"<p>" + BAD) * 5000)
    write(out, "html", "long_attribute", '<div data-pay="' + "k" * 200000 + '">')
    write(out, "html", "unclosed_comment", "<!--" + "<div>" * 20000)
    # JSON: far past the depth limit, open and closed, in strings and not.
    write(out, "json", "deep_array_100000", "[" * 100000 + "]" * 100000)
    write(out, "json", "deep_object_open", '{"a":' * 50000)
    write(out, "json", "deep_escaped_strings", '["\\"' + "[" * 1000 + '"' + ",[" * 20000)
    write(out, "api", "lead_deep_100000", "POST /api/leads\n" + "[" * 100000 + "]" * 100000)
    write(out, "api", "job_deep_config",
          'POST /api/batch-analysis/jobs\n{"job_type":"tech_analysis","lead_ids":["{lead}"],'
          '"analysis_config":' + '{"a":' * 10000 + "1" + "}" * 10000 + "}")
    write(out, "api", "import_many_rows",
          "POST /api/leads/import\ncompany_name;domain\n" +
          "".join(f"Shop {i};shop{i}.se\n" for i in range(300)))
    write(out, "rules", "deep_rule_file", '{"T":' + "[" * 100000 + "]" * 100000 + "}")
    write(out, "rules", "many_patterns",
          "{" + ",".join(f'"T{i}": {{"cats": [1], "html": "x{i}(\\\\d+)\\\\;version:\\\\1"}}'
                         for i in range(300)) + "}")
    write(out, "csv", "long_quoted_field", 'company_name,domain\n"' + "x\n" * 50000 + '",a.se\n')
    write(out, "csv", "many_columns", ",".join(f"c{i}" for i in range(5000)) + "\n" + ";" * 5000)
    write(out, "robots", "many_rules",
          "a" * 200 + "\nUser-agent: *\n" +
          "".join(f"Disallow: /{'*' * (i % 7)}a{i}$\n" for i in range(1000)))
    write(out, "robots", "star_pattern", "/" + "a" * 5000 + "\nUser-agent: *\nDisallow: /" +
          "*a" * 2000 + "b\n")
    write(out, "cron", "long_list", ",".join(str(i % 60) for i in range(5000)) + " * * * *\nUTC\n")
    write(out, "target", "long_input", "a." * 3000 + "se")
    write(out, "charset", "long_meta", "text/html\n<meta " + "a=b " * 5000 + 'charset="koi8-r">')
    write(out, "request_target", "long_path", "GET " + "/a%2e" * 20000)


if __name__ == "__main__":
    main()
