using System.Net;
using System.Text.Json;
using Berth.Core.Distribution;
using Berth.Core.Oci;
using Berth.Core.Tests.Oci;
using Xunit;

namespace Berth.Core.Tests.Distribution;

/// <summary>
/// The bodies berth-registry writes and the engine reads. The expected bytes are what the registry's
/// own records (ErrorResponse, TagList, TokenResponse) wrote before both sides shared these types.
/// </summary>
public sealed class DistributionJsonTests
{
    [Fact]
    public void ErrorBody_IsWrittenAsBefore()
    {
        var withDetail = new DistributionErrors { Errors = [new DistributionError("BLOB_UNKNOWN", "blob unknown to registry", new() { ["digest"] = "sha256:ab+<é>" })] };
        Assert.Equal("""{"errors":[{"code":"BLOB_UNKNOWN","message":"blob unknown to registry","detail":{"digest":"sha256:ab\u002B\u003C\u00E9\u003E"}}]}""",
            TestJson.Write(withDetail, OciJsonContext.Default.DistributionErrors));
        var without = new DistributionErrors { Errors = [new DistributionError("UNSUPPORTED", "x <y>")] };
        Assert.Equal("""{"errors":[{"code":"UNSUPPORTED","message":"x \u003Cy\u003E"}]}""", TestJson.Write(without, OciJsonContext.Default.DistributionErrors));
    }

    [Theory]
    [InlineData("""{"errors":[{"code":"DENIED","message":"m","detail":[{"Type":"repository","Name":"x","Action":"pull"}]}]}""", null)]
    [InlineData("""{"errors":[{"code":"DENIED","message":"m","detail":{"a":1,"b":"s","c":{"d":[1]}}}]}""", "b=s")]
    [InlineData("""{"errors":[{"code":"DENIED","message":"m","detail":"text"}]}""", null)]
    [InlineData("""{"Errors":[{"Code":"DENIED","Message":"m"}]}""", null)]
    public void ErrorBody_ReadsAnyRegistrysDetail(string body, string? detail)
    {
        var error = Assert.Single(JsonSerializer.Deserialize(body, OciJsonContext.Default.DistributionErrors)!.Errors);
        Assert.Equal("denied: m", error.ToString());
        Assert.Equal(detail, error.Detail is null ? null : string.Join(",", error.Detail.Select(e => $"{e.Key}={e.Value}")));
    }

    [Fact]
    public void TagList_IsWrittenAsBefore()
    {
        Assert.Equal("""{"name":"lib/x","tags":["a","v1.0\u002Bb"]}""", TestJson.Write(new TagList("lib/x", ["a", "v1.0+b"]), OciJsonContext.Default.TagList));
        Assert.Equal("""{"name":"lib/x","tags":[]}""", TestJson.Write(new TagList("lib/x", []), OciJsonContext.Default.TagList));
        Assert.Null(JsonSerializer.Deserialize("""{"name":"lib/x","tags":null}""", OciJsonContext.Default.TagList)!.Tags);
    }

    [Fact]
    public void TokenResponse_IsWrittenInWholeUtcSeconds()
    {
        var reply = new TokenResponse { Token = "t", AccessToken = "t", ExpiresIn = 300, IssuedAt = new DateTimeOffset(2026, 1, 2, 3, 4, 5, 678, TimeSpan.FromHours(2)) };
        Assert.Equal("""{"token":"t","access_token":"t","expires_in":300,"issued_at":"2026-01-02T01:04:05Z"}""", TestJson.Write(reply, OciJsonContext.Default.TokenResponse));
    }

    [Fact]
    public void TokenResponse_ReadsRfc3339AndRefusesOtherTimes()
    {
        var reply = JsonSerializer.Deserialize("""{"access_token":"a","issued_at":"2026-12-07T20:55:21.123456789+01:00","refresh_token":"r"}""", OciJsonContext.Default.TokenResponse)!;
        Assert.Equal(new DateTimeOffset(2026, 12, 7, 19, 55, 21, TimeSpan.Zero).AddTicks(1234567), reply.IssuedAt);
        Assert.Equal(("a", "r"), (reply.AccessToken, reply.RefreshToken));
        Assert.Null(JsonSerializer.Deserialize("""{"issued_at":null}""", OciJsonContext.Default.TokenResponse)!.IssuedAt);
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize("""{"issued_at":"yesterday"}""", OciJsonContext.Default.TokenResponse));
    }

    [Theory]
    [InlineData(DistributionErrorCodes.BlobUnknown, HttpStatusCode.NotFound, "blob unknown to registry")]
    [InlineData(DistributionErrorCodes.ManifestBlobUnknown, HttpStatusCode.BadRequest, "manifest references a manifest or blob unknown to registry")]
    [InlineData(DistributionErrorCodes.Unauthorized, HttpStatusCode.Unauthorized, "authentication required")]
    [InlineData(DistributionErrorCodes.Denied, HttpStatusCode.Forbidden, "requested access to the resource is denied")]
    [InlineData(DistributionErrorCodes.Unsupported, HttpStatusCode.MethodNotAllowed, "the operation is unsupported")]
    [InlineData(DistributionErrorCodes.TooManyRequests, HttpStatusCode.TooManyRequests, "too many requests")]
    [InlineData("SOMETHING_ELSE", HttpStatusCode.InternalServerError, "SOMETHING_ELSE")]
    public void ErrorCodes_HaveTheirStatusAndMessage(string code, HttpStatusCode status, string message)
    {
        Assert.Equal(status, DistributionErrorCodes.StatusOf(code));
        Assert.Equal(message, DistributionErrorCodes.MessageOf(code));
        Assert.Equal(message, DistributionError.Of(code).Message);
    }
}
