using System.Globalization;
using System.Text;

namespace Berth.Registry.Observability;

/// <summary>
/// Request metrics in Prometheus text format, under distribution's names (registry_http_…) so
/// its dashboards apply: requests by method and status, bytes in and out, in-flight requests and
/// a latency histogram.
/// </summary>
public sealed class RegistryMetrics
{
    private static readonly double[] Buckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
    private static readonly string[] KnownMethods = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];

    private readonly Lock _lock = new();
    private readonly SortedDictionary<(string Method, int Status), long> _requests = new();
    private readonly long[] _bucketCounts = new long[Buckets.Length];
    private double _durationSum;
    private long _durationCount;
    private long _bytesIn;
    private long _bytesOut;
    private long _inFlight;

    public void Started() => Interlocked.Increment(ref _inFlight);

    public void Finished(string method, int status, long bytesIn, long bytesOut, TimeSpan duration)
    {
        Interlocked.Decrement(ref _inFlight);
        // Unknown methods share one label so a scanner cannot grow the series without bound.
        var label = KnownMethods.Contains(method) ? method : "OTHER";
        var seconds = duration.TotalSeconds;
        lock (_lock)
        {
            _requests[(label, status)] = _requests.GetValueOrDefault((label, status)) + 1;
            for (var i = 0; i < Buckets.Length; i++)
                if (seconds <= Buckets[i]) _bucketCounts[i]++;
            _durationSum += seconds;
            _durationCount++;
            _bytesIn += bytesIn;
            _bytesOut += bytesOut;
        }
    }

    /// <summary>The exposition text (version 0.0.4).</summary>
    public string Render()
    {
        var text = new StringBuilder();
        lock (_lock)
        {
            text.Append("# HELP registry_http_requests_total Total number of HTTP requests by method and status code.\n");
            text.Append("# TYPE registry_http_requests_total counter\n");
            foreach (var ((method, status), count) in _requests)
                text.Append($"registry_http_requests_total{{method=\"{method}\",code=\"{status}\"}} {count}\n");
            Counter(text, "registry_http_request_bytes_total", "Bytes received in request bodies.", _bytesIn);
            Counter(text, "registry_http_response_bytes_total", "Bytes sent in response bodies.", _bytesOut);
            text.Append("# HELP registry_http_in_flight_requests Requests being served.\n");
            text.Append("# TYPE registry_http_in_flight_requests gauge\n");
            text.Append($"registry_http_in_flight_requests {Interlocked.Read(ref _inFlight)}\n");
            text.Append("# HELP registry_http_request_duration_seconds Time to serve a request.\n");
            text.Append("# TYPE registry_http_request_duration_seconds histogram\n");
            for (var i = 0; i < Buckets.Length; i++)
                text.Append($"registry_http_request_duration_seconds_bucket{{le=\"{Buckets[i].ToString(CultureInfo.InvariantCulture)}\"}} {_bucketCounts[i]}\n");
            text.Append($"registry_http_request_duration_seconds_bucket{{le=\"+Inf\"}} {_durationCount}\n");
            text.Append($"registry_http_request_duration_seconds_sum {_durationSum.ToString("R", CultureInfo.InvariantCulture)}\n");
            text.Append($"registry_http_request_duration_seconds_count {_durationCount}\n");
        }
        return text.ToString();
    }

    private static void Counter(StringBuilder text, string name, string help, long value) =>
        text.Append($"# HELP {name} {help}\n# TYPE {name} counter\n{name} {value}\n");
}
