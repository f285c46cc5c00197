using System.Net;
using System.Text.RegularExpressions;
using Xunit;

namespace Berth.Registry.Tests.Hosting;

public sealed class ObservabilityTests
{
    [Fact]
    public async Task AccessLogWritesOneLogfmtLinePerRequest()
    {
        var dir = TestRegistry.NewDir();
        File.WriteAllText(Path.Combine(dir, "htpasswd"), $"alice:{BCrypt.Net.BCrypt.HashPassword("pw", 4)}\n");
        await using var registry = await TestRegistry.StartAsync(dir, "--htpasswd", Path.Combine(dir, "htpasswd"));
        var request = new HttpRequestMessage(HttpMethod.Get, "/v2/");
        request.Headers.Authorization = TestRegistry.Basic("alice", "pw");
        (await registry.Client.SendAsync(request, TestContext.Current.CancellationToken)).EnsureSuccessStatusCode();
        (await registry.Client.GetAsync("/v2/nope/tags/list", TestContext.Current.CancellationToken)).Dispose();

        var line = await registry.WaitForLogLineAsync(l => l.Contains("path=/v2/ "));
        Assert.Matches(new Regex(
            @"^time=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z level=info msg=request method=GET path=/v2/ status=200 bytes_in=0 bytes_out=2 duration=[0-9.]+ remote=127\.0\.0\.1:\d+ user=alice$"),
            line);
        var anonymous = await registry.WaitForLogLineAsync(l => l.Contains("path=/v2/nope/tags/list"));
        Assert.Contains(" status=401 ", anonymous);
        Assert.EndsWith(" user=-", anonymous);
    }

    [Fact]
    public async Task LogLevelErrorSilencesTheAccessLog()
    {
        var registry = await TestRegistry.StartAsync(null, "--log-level", "error");
        try
        {
            (await registry.Client.GetAsync("/v2/", TestContext.Current.CancellationToken)).EnsureSuccessStatusCode();
        }
        finally
        {
            // Stopping drains every request, so whatever the access log would write for it is written.
            await registry.DisposeAsync();
        }
        Assert.DoesNotContain("msg=request", registry.Log);
        Assert.DoesNotContain("msg=listening", registry.Log);
    }

    [Fact]
    public async Task MetricsCountRequestsBytesAndLatencyOnTheirOwnListener()
    {
        await using var registry = await TestRegistry.StartAsync(null, "--metrics-addr", "127.0.0.1:0");
        Assert.NotNull(registry.MetricsAddress);
        Assert.NotEqual(registry.BaseAddress.Port, registry.MetricsAddress!.Port);
        using var metricsClient = new HttpClient { BaseAddress = registry.MetricsAddress };

        // The registry's own listener does not serve /metrics.
        Assert.Equal(HttpStatusCode.NotFound, (await registry.Client.GetAsync("/metrics", TestContext.Current.CancellationToken)).StatusCode);
        for (var i = 0; i < 3; i++) (await registry.Client.GetAsync("/v2/", TestContext.Current.CancellationToken)).EnsureSuccessStatusCode();
        var data = new byte[1000];
        (await registry.Client.PostAsync($"/v2/m/blobs/uploads/?digest={RegistryFixture.DigestOf(data)}", new ByteArrayContent(data), TestContext.Current.CancellationToken)).EnsureSuccessStatusCode();

        string text = "";
        for (var i = 0; i < 50 && !text.Contains("code=\"201\""); i++)
        {
            await Task.Delay(20, TestContext.Current.CancellationToken);
            using var response = await metricsClient.GetAsync("/metrics", TestContext.Current.CancellationToken);
            Assert.StartsWith("text/plain", response.Content.Headers.ContentType!.ToString());
            text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        }
        Assert.Contains("registry_http_requests_total{method=\"GET\",code=\"200\"} 3\n", text);
        Assert.Contains("registry_http_requests_total{method=\"GET\",code=\"404\"} 1\n", text);
        Assert.Contains("registry_http_requests_total{method=\"POST\",code=\"201\"} 1\n", text);
        Assert.Matches(new Regex(@"registry_http_request_bytes_total 1000\n"), text);
        Assert.Matches(new Regex(@"registry_http_response_bytes_total (\d+)\n"), text);
        Assert.Contains("registry_http_request_duration_seconds_count 5\n", text);
        Assert.Contains("registry_http_request_duration_seconds_bucket{le=\"+Inf\"} 5\n", text);
        Assert.Equal(HttpStatusCode.NotFound, (await metricsClient.GetAsync("/other", TestContext.Current.CancellationToken)).StatusCode);
    }
}
