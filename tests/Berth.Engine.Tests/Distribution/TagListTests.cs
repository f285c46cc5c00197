using System.Net;
using System.Text;
using Berth.Engine.Distribution.Pull;
using Berth.Engine.Distribution.Transport;
using Xunit;

namespace Berth.Engine.Tests.Distribution;

/// <summary>docker pull -a's tag listing: /v2/NAME/tags/list and its Link pages.</summary>
public sealed class TagListTests
{
    [Fact]
    public async Task FollowsLinkPagesInOrder()
    {
        var handler = new FakeRegistryHandler
        {
            Respond = seen =>
            {
                var (body, link) = seen.PathAndQuery switch
                {
                    "/v2/team/app/tags/list" => ("""{"name":"team/app","tags":["a","b"]}""", "</v2/team/app/tags/list?n=2&last=b>; rel=\"next\""),
                    "/v2/team/app/tags/list?n=2&last=b" => ("""{"name":"team/app","tags":["c"]}""", null),
                    _ => throw new InvalidOperationException(seen.PathAndQuery),
                };
                var response = new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
                if (link is not null) response.Headers.TryAddWithoutValidation("Link", link);
                return response;
            },
        };
        using var http = new HttpClient(handler);
        var repository = new RegistryRepository(RegistrySession.Over(http, new Uri("http://registry.test/"), "registry.test"), "team/app", push: false);

        Assert.Equal(["a", "b", "c"], await repository.ListTagsAsync(TestContext.Current.CancellationToken));
        Assert.Equal(2, handler.Requests.Count);
    }

    [Fact]
    public async Task LinkBackToAReadPageStops()
    {
        var handler = new FakeRegistryHandler
        {
            Respond = _ =>
            {
                var response = new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("""{"tags":["x"]}""") };
                response.Headers.TryAddWithoutValidation("Link", "<http://registry.test/v2/r/tags/list>; rel=\"next\"");
                return response;
            },
        };
        using var http = new HttpClient(handler);
        var repository = new RegistryRepository(RegistrySession.Over(http, new Uri("http://registry.test/"), "registry.test"), "r", push: false);
        Assert.Equal(["x"], await repository.ListTagsAsync(TestContext.Current.CancellationToken));
    }

    [Theory]
    [InlineData("busybox", null, "docker.io/library/busybox")]
    [InlineData("busybox", "", "docker.io/library/busybox")]
    [InlineData("busybox", "1.36", "docker.io/library/busybox:1.36")]
    [InlineData("busybox:1.36", null, "docker.io/library/busybox:1.36")]
    public void ABareNameMeansEveryTag(string fromImage, string? tag, string expected) =>
        Assert.Equal(expected, ImagePuller.Resolve(fromImage, tag).ToString());
}
