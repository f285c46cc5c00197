using System.Buffers.Text;
using System.IdentityModel.Tokens.Jwt;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Berth.Registry.Auth;
using Berth.Registry.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.IdentityModel.Tokens;
using Xunit;

namespace Berth.Registry.Tests;

/// <summary>
/// berth-registry's hand-written ES256 tokens, checked against an independent JWT implementation
/// (System.IdentityModel.Tokens.Jwt): what we sign validates there, what it signs with our key
/// validates here, and every kind of bad token is refused by our checker.
/// </summary>
public sealed class TokenInteropTests : IDisposable
{
    private const string Issuer = "test-issuer";
    private const string Service = "test-service";
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);

    private readonly string _dir = Path.Combine(Path.GetTempPath(), "berth-token-test-" + Guid.NewGuid().ToString("N"));
    private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly TokenSigner _signer;

    public TokenInteropTests()
    {
        Directory.CreateDirectory(_dir);
        var pem = Path.Combine(_dir, "key.pem");
        File.WriteAllText(pem, _key.ExportECPrivateKeyPem());
        _signer = TokenSigner.Load(pem);
    }

    public void Dispose()
    {
        _signer.Dispose();
        _key.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private static TokenClaims Claims(string issuer = Issuer, string audience = Service, DateTimeOffset? notBefore = null,
        DateTimeOffset? expires = null, params TokenAccess[] access) =>
        new(issuer, "alice", audience, (expires ?? Now.AddMinutes(5)).ToUnixTimeSeconds(), (notBefore ?? Now).ToUnixTimeSeconds(),
            Now.ToUnixTimeSeconds(), "0123456789abcdef", [.. access]);

    private static TokenAccess Pull(string repository) => new("repository", repository, ["pull"]);

    /// <summary>The library's view of a token: validates signature, alg, iss, aud and lifetime with no skew.</summary>
    private static ClaimsPrincipal LibraryValidate(string token, ECDsa publicKey) =>
        new JwtSecurityTokenHandler { MapInboundClaims = false }.ValidateToken(token, new TokenValidationParameters
        {
            ValidIssuer = Issuer,
            ValidAudience = Service,
            IssuerSigningKey = new ECDsaSecurityKey(publicKey),
            ValidAlgorithms = [SecurityAlgorithms.EcdsaSha256],
            ClockSkew = TimeSpan.Zero,
            // The token is from Now, not from the wall clock.
            LifetimeValidator = (notBefore, expires, _, _) => notBefore <= Now.UtcDateTime && Now.UtcDateTime < expires,
        }, out _);

    /// <summary>A token the library signs, with our claims' shape.</summary>
    private static string LibrarySign(ECDsa key, string algorithm = SecurityAlgorithms.EcdsaSha256, string issuer = Issuer, string audience = Service,
        DateTimeOffset? notBefore = null, DateTimeOffset? expires = null, string? subject = "bob", object? access = null)
    {
        var claims = new Dictionary<string, object>();
        if (subject is not null) claims["sub"] = subject;
        if (access is not null) claims["access"] = access;
        return new JwtSecurityTokenHandler().CreateEncodedJwt(new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = audience,
            IssuedAt = Now.UtcDateTime,
            NotBefore = (notBefore ?? Now).UtcDateTime,
            Expires = (expires ?? Now.AddMinutes(5)).UtcDateTime,
            Claims = claims,
            SigningCredentials = new SigningCredentials(new ECDsaSecurityKey(key), algorithm),
        });
    }

    private static List<Dictionary<string, object>> AccessClaim(string type, string name, params string[] actions) =>
        [new() { ["type"] = type, ["name"] = name, ["actions"] = actions }];

    private TokenClaims? Verify(string token, DateTimeOffset? at = null) => _signer.Verify(token, Issuer, Service, at ?? Now);

    private AuthDecision Authorize(string token, string method, string path)
    {
        var context = new DefaultHttpContext();
        context.Request.Method = method;
        context.Request.Scheme = "http";
        context.Request.Host = new HostString("127.0.0.1:5000");
        var query = path.IndexOf('?');
        context.Request.Path = query < 0 ? path : path[..query];
        if (query >= 0) context.Request.QueryString = new QueryString(path[query..]);
        context.Request.Headers.Authorization = "Bearer " + token;
        var controller = new TokenAccessController(_signer, new TokenSettings { Issuer = Issuer, Service = Service }, new FixedClock(Now));
        return controller.Authorize(context.Request, RequestAccess.Required(context.Request)!);
    }

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

    // (a) our tokens validate with the library

    [Fact]
    public void TokensWeSignValidateWithTheLibrary()
    {
        var token = _signer.Sign(Claims(access: [Pull("team/app"), new("repository", "team/other", ["pull", "push"])]));

        var principal = LibraryValidate(token, _key);

        Assert.Equal("alice", principal.FindFirst("sub")!.Value);
        var read = new JwtSecurityTokenHandler().ReadJwtToken(token);
        Assert.Equal("ES256", read.Header.Alg);
        Assert.Equal("JWT", read.Header.Typ);
        using var access = JsonDocument.Parse(JsonSerializer.Serialize(read.Payload["access"]));
        Assert.Equal("team/other", access.RootElement[1].GetProperty("name").GetString());
        Assert.Equal(["pull", "push"], access.RootElement[1].GetProperty("actions").EnumerateArray().Select(a => a.GetString()));
    }

    [Fact]
    public void TokensWeSignWithTheWrongClaimsFailInTheLibraryToo()
    {
        using var other = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        Assert.ThrowsAny<SecurityTokenException>(() => LibraryValidate(_signer.Sign(Claims()), other));
        Assert.ThrowsAny<SecurityTokenException>(() => LibraryValidate(_signer.Sign(Claims(audience: "elsewhere")), _key));
        Assert.ThrowsAny<SecurityTokenException>(() => LibraryValidate(_signer.Sign(Claims(expires: Now.AddSeconds(-1))), _key));
    }

    [Fact]
    public void TokensFromTheTokenServerShapeValidateWithTheLibrary()
    {
        // A token with no subject and no access (anonymous, nothing granted) is still a valid JWT.
        var token = _signer.Sign(new TokenClaims(Issuer, "", Service, Now.AddMinutes(5).ToUnixTimeSeconds(), Now.ToUnixTimeSeconds(),
            Now.ToUnixTimeSeconds(), "id", []));
        LibraryValidate(token, _key);
    }

    // (b) the library's tokens, signed with our key, validate in our checker

    [Fact]
    public void TokensTheLibrarySignsWithOurKeyValidateHere()
    {
        var token = LibrarySign(_key, access: AccessClaim("repository", "team/app", "pull", "push"));

        var claims = Verify(token);

        Assert.NotNull(claims);
        Assert.Equal("bob", claims.Subject);
        Assert.Equal(Issuer, claims.Issuer);
        var access = Assert.Single(claims.Access);
        Assert.Equal(("repository", "team/app"), (access.Type, access.Name));
        Assert.Equal(["pull", "push"], access.Actions);

        var decision = Authorize(token, "PUT", "/v2/team/app/manifests/v1");
        Assert.True(decision.Allowed, decision.Challenge);
        Assert.Equal("bob", decision.User);
    }

    [Fact]
    public void LibraryTokensWithoutSubjectOrAccessAreValidButGrantNothing()
    {
        // Optional claims absent: the checker must not crash (it was a NullReferenceException, a 500).
        var token = LibrarySign(_key, subject: null, access: null);

        var claims = Verify(token);
        Assert.NotNull(claims);
        Assert.Equal("", claims.Subject);
        Assert.Empty(claims.Access);

        Assert.True(Authorize(token, "GET", "/v2/").Allowed);
        var pull = Authorize(token, "GET", "/v2/team/app/manifests/v1");
        Assert.False(pull.Allowed);
        Assert.Contains("error=\"insufficient_scope\"", pull.Challenge);
    }

    [Theory]
    [InlineData("""[{"type":"repository","name":"team/app"}]""")]
    [InlineData("""[{"type":"repository","actions":["pull"]}]""")]
    [InlineData("""[null]""")]
    [InlineData("""[{"type":"repository","name":"team/app","actions":[null]}]""")]
    public void LibraryTokensWithIncompleteAccessEntriesGrantNothing(string access)
    {
        var token = LibrarySign(_key, access: JsonSerializer.Deserialize<JsonElement>(access));
        var claims = Verify(token);
        Assert.NotNull(claims);
        Assert.False(Authorize(token, "GET", "/v2/team/app/manifests/v1").Allowed);
    }

    // (c) bad tokens are refused by our checker

    private static string Encode(string json) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(json));

    private static string Payload(long nbf, long exp, string access = """[{"type":"repository","name":"team/app","actions":["pull","push"]}]""") =>
        $$"""{"iss":"{{Issuer}}","sub":"eve","aud":"{{Service}}","exp":{{exp}},"nbf":{{nbf}},"iat":{{nbf}},"jti":"x","access":{{access}}}""";

    [Fact]
    public void AlgNoneIsRefused()
    {
        var payload = Encode(Payload(Now.ToUnixTimeSeconds(), Now.AddMinutes(5).ToUnixTimeSeconds()));
        Assert.Null(Verify($"{Encode("""{"alg":"none","typ":"JWT"}""")}.{payload}."));
        Assert.Null(Verify($"{Encode("""{"alg":"none"}""")}.{payload}"));
        Assert.Null(Verify($"{Encode("""{"alg":"NONE","typ":"JWT"}""")}.{payload}.AAAA"));
        // The library agrees, as a sanity check of the token itself.
        Assert.ThrowsAny<Exception>(() => LibraryValidate($"{Encode("""{"alg":"none","typ":"JWT"}""")}.{payload}.", _key));
        Assert.False(Authorize($"{Encode("""{"alg":"none","typ":"JWT"}""")}.{payload}.", "GET", "/v2/team/app/manifests/v1").Allowed);
    }

    [Fact]
    public void HmacWithThePublicKeyAsSecretIsRefused()
    {
        // The classic algorithm confusion: HS256 keyed with the (public) verification key.
        var secret = _key.ExportSubjectPublicKeyInfo();
        var input = $"{Encode("""{"alg":"HS256","typ":"JWT"}""")}.{Encode(Payload(Now.ToUnixTimeSeconds(), Now.AddMinutes(5).ToUnixTimeSeconds()))}";
        var mac = HMACSHA256.HashData(secret, Encoding.ASCII.GetBytes(input));
        Assert.Null(Verify($"{input}.{Base64Url.EncodeToString(mac)}"));
    }

    [Fact]
    public void AnotherKeysTokensAreRefused()
    {
        using var other = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        Assert.Null(Verify(LibrarySign(other, access: AccessClaim("repository", "team/app", "pull"))));
        using var otherSigner = TokenSigner.Generate();
        Assert.Null(Verify(otherSigner.Sign(Claims(access: Pull("team/app")))));
        var decision = Authorize(otherSigner.Sign(Claims(access: Pull("team/app"))), "GET", "/v2/team/app/manifests/v1");
        Assert.False(decision.Allowed);
        Assert.Contains("error=\"invalid_token\"", decision.Challenge);
    }

    [Fact]
    public void AnotherCurveOrHashIsRefused()
    {
        using var p384 = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        Assert.Null(Verify(LibrarySign(p384, SecurityAlgorithms.EcdsaSha384)));
    }

    [Fact]
    public void WrongAudienceOrIssuerIsRefused()
    {
        Assert.Null(Verify(LibrarySign(_key, audience: "another-registry")));
        Assert.Null(Verify(LibrarySign(_key, issuer: "someone-else")));
        Assert.Null(Verify(_signer.Sign(Claims(audience: "another-registry"))));
        Assert.Null(Verify(_signer.Sign(Claims(issuer: "someone-else"))));
    }

    [Fact]
    public void ExpiredTokensAreRefused()
    {
        Assert.Null(Verify(LibrarySign(_key, notBefore: Now.AddMinutes(-10), expires: Now.AddMinutes(-5))));
        Assert.Null(Verify(_signer.Sign(Claims(notBefore: Now.AddMinutes(-10), expires: Now))));
        // Valid a second before it ends, not at its end.
        var token = _signer.Sign(Claims(expires: Now.AddMinutes(1)));
        Assert.NotNull(Verify(token, Now.AddSeconds(59)));
        Assert.Null(Verify(token, Now.AddSeconds(60)));
    }

    [Fact]
    public void TokensNotYetValidAreRefused()
    {
        Assert.Null(Verify(LibrarySign(_key, notBefore: Now.AddMinutes(5), expires: Now.AddMinutes(10))));
        Assert.Null(Verify(_signer.Sign(Claims(notBefore: Now.AddMinutes(5), expires: Now.AddMinutes(10)))));
    }

    [Fact]
    public void ATokenWithoutExpiryIsRefused()
    {
        // A token that never expires is not one we issue: refuse it rather than take it forever.
        var handler = new JwtSecurityTokenHandler { SetDefaultTimesOnTokenCreation = false };
        var token = handler.CreateEncodedJwt(new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = Service,
            Claims = new Dictionary<string, object> { ["sub"] = "bob", ["access"] = AccessClaim("repository", "team/app", "pull") },
            SigningCredentials = new SigningCredentials(new ECDsaSecurityKey(_key), SecurityAlgorithms.EcdsaSha256),
        });
        Assert.Null(Verify(token));
    }

    [Fact]
    public void WidenedScopeIsRefused()
    {
        var pullOnly = _signer.Sign(Claims(access: Pull("team/app")));
        Assert.True(Authorize(pullOnly, "GET", "/v2/team/app/manifests/v1").Allowed);

        // Push where only pull was granted.
        var push = Authorize(pullOnly, "PUT", "/v2/team/app/manifests/v1");
        Assert.False(push.Allowed);
        Assert.Contains("error=\"insufficient_scope\"", push.Challenge);
        Assert.False(Authorize(pullOnly, "DELETE", "/v2/team/app/manifests/sha256:" + new string('a', 64)).Allowed);
        // Another repository, one that only shares a prefix, or the catalog.
        Assert.False(Authorize(pullOnly, "GET", "/v2/team/other/manifests/v1").Allowed);
        Assert.False(Authorize(pullOnly, "GET", "/v2/team/app2/manifests/v1").Allowed);
        Assert.False(Authorize(pullOnly, "GET", "/v2/team/manifests/v1").Allowed);
        Assert.False(Authorize(pullOnly, "GET", "/v2/_catalog").Allowed);
        // A mount from a repository not granted.
        var pushApp = _signer.Sign(Claims(access: new TokenAccess("repository", "team/app", ["pull", "push"])));
        var context = "/v2/team/app/blobs/uploads/";
        Assert.True(Authorize(pushApp, "POST", context).Allowed);
        Assert.False(Authorize(pushApp, "POST", context + "?mount=sha256:" + new string('a', 64) + "&from=secret/repo").Allowed);

        // Editing the granted scope in the payload breaks the signature.
        var parts = pullOnly.Split('.');
        var payload = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(parts[1]));
        var widened = payload.Replace("[\"pull\"]", "[\"pull\",\"push\"]");
        Assert.NotEqual(payload, widened);
        var tampered = $"{parts[0]}.{Encode(widened)}.{parts[2]}";
        Assert.Null(Verify(tampered));
        Assert.False(Authorize(tampered, "PUT", "/v2/team/app/manifests/v1").Allowed);
        var otherRepository = $"{parts[0]}.{Encode(payload.Replace("team/app", "team/other"))}.{parts[2]}";
        Assert.Null(Verify(otherRepository));
    }

    [Theory]
    [InlineData("")]
    [InlineData("a.b")]
    [InlineData("a.b.c.d")]
    [InlineData("!!!.???.***")]
    [InlineData("e30.e30.")]
    public void GarbageIsRefusedWithoutThrowing(string token)
    {
        Assert.Null(Verify(token));
    }

    [Fact]
    public void PayloadsThatAreNotObjectsAreRefusedWithoutThrowing()
    {
        foreach (var json in new[] { "null", "[]", "42", "\"x\"", """{"iss":1}""", """{"exp":"soon"}""" })
        {
            var input = $"{Encode("""{"alg":"ES256","typ":"JWT"}""")}.{Encode(json)}";
            var signature = _key.SignData(Encoding.ASCII.GetBytes(input), HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
            Assert.Null(Verify($"{input}.{Base64Url.EncodeToString(signature)}"));
        }
    }
}
