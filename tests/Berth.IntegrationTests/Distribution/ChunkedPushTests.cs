using System.Text.Json;
using Berth.IntegrationTests.Harness;
using Xunit;
using static Berth.IntegrationTests.Distribution.PushPullTests;

namespace Berth.IntegrationTests.Distribution;

/// <summary>Layers are pushed as dockerd pushes them: POST, a streamed PATCH, then PUT ?digest= with no body.</summary>
public sealed class ChunkedPushTests
{
    [Fact]
    public async Task LayersArePatchedIntoDistribution()
    {
        await using var registry = await RegistryServer.StartDistributionAsync();
        await using var daemon = await BerthDaemon.StartWithBusyboxAsync();
        var name = $"{registry.Address}/team/chunked:v1";
        Ok(await daemon.Docker("tag", "busybox:latest", name));
        var push = Ok(await daemon.Docker("push", name));
        Assert.Contains("Pushed", push.Stdout);

        // distribution's access log: a PATCH accepted (202) for the layer, and its closing PUT.
        var log = (await registry.ReadLogAsync()).Split('\n');
        Assert.Contains(log, line => line.Contains("\"PATCH /v2/team/chunked/blobs/uploads/") && line.Contains("\" 202 "));
        Assert.Contains(log, line => line.Contains("\"PUT /v2/team/chunked/blobs/uploads/") && line.Contains("digest=sha256") && line.Contains("\" 201 "));

        // The image went in whole: a fresh daemon pulls and runs it.
        await using var other = new BerthDaemon();
        await other.StartAsync();
        Ok(await other.Docker("pull", name));
        Assert.Equal("chunked\n", Ok(await other.Docker("run", "--rm", name, "echo", "chunked")).Stdout);
    }

    /// <summary>The API stream still counts the bytes: "Pushing" lines with progressDetail current/total.</summary>
    [Fact]
    public async Task PushingReportsProgressIntoBerthRegistry()
    {
        await using var registry = await RegistryServer.StartBerthAsync();
        await using var daemon = await BerthDaemon.StartWithBusyboxAsync();
        var name = $"{registry.Address}/team/progress";
        Ok(await daemon.Docker("tag", "busybox:latest", name + ":v1"));

        using var http = daemon.CreateHttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/images/{name}/push?tag=v1");
        request.Headers.Add("X-Registry-Auth", Convert.ToBase64String("{}"u8));
        using var response = await http.SendAsync(request, TestContext.Current.CancellationToken);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.IsSuccessStatusCode, body);

        var pushing = body.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => JsonDocument.Parse(line).RootElement)
            .Where(m => m.TryGetProperty("status", out var s) && s.GetString() == "Pushing")
            .ToList();
        Assert.NotEmpty(pushing);
        var last = pushing[^1].GetProperty("progressDetail");
        Assert.Equal(last.GetProperty("total").GetInt64(), last.GetProperty("current").GetInt64());
        Assert.DoesNotContain("errorDetail", body);
        Assert.Contains("\"Pushed\"", body);
    }
}
