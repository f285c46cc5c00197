using Xunit;
using System.Net;
using Berth.Registry.Hosting;

namespace Berth.Registry.Tests;

public sealed class BaseTests : IClassFixture<RegistryFixture>
{
    private readonly RegistryFixture _registry;
    public BaseTests(RegistryFixture registry) => _registry = registry;

    [Fact]
    public async Task V2ReturnsEmptyObjectWithApiVersion()
    {
        using var response = await _registry.Client.GetAsync("/v2/", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("{}", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal("registry/2.0", Assert.Single(response.Headers.GetValues("Docker-Distribution-API-Version")));
        Assert.NotEqual(0, _registry.Client.BaseAddress!.Port);
    }

    [Fact]
    public void ParsesDefaultsAndAddresses()
    {
        var options = RegistryCommand.Parse(["serve"]);
        Assert.Equal("127.0.0.1:5000", options.Endpoint.ToString());
        Assert.Equal("[::1]:8080", RegistryCommand.Parse(["serve", "--addr=[::1]:8080", "--root", "/tmp/r"]).Endpoint.ToString());
        Assert.Throws<FormatException>(() => RegistryCommand.Parse(["serve", "--addr", "nope"]));
        Assert.Throws<FormatException>(() => RegistryCommand.Parse(["run"]));
    }

    [Theory]
    [InlineData("/v2/UPPER/tags/list")]
    [InlineData("/v2/a..b/tags/list")]
    [InlineData("/v2/-a/blobs/sha256:00")]
    public async Task InvalidNamesAreRefused(string path)
    {
        using var response = await _registry.Client.GetAsync(path, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("\"code\":\"NAME_INVALID\"", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }
}
