using System.Net;

namespace Berth.Engine.Tests.Distribution;

/// <summary>
/// An in-process registry for client tests: each request is recorded ("METHOD path?query") and
/// answered by <see cref="Respond"/>; bodies of uploads are read in full and recorded too.
/// </summary>
internal sealed class FakeRegistryHandler : HttpMessageHandler
{
    public sealed record Seen(string Method, string PathAndQuery, IReadOnlyDictionary<string, string> Headers, byte[] Body);

    public List<Seen> Requests { get; } = [];

    public required Func<Seen, HttpResponseMessage> Respond { get; init; }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, values) in request.Headers) headers[name] = string.Join(",", values);
        var body = Array.Empty<byte>();
        if (request.Content is not null)
        {
            foreach (var (name, values) in request.Content.Headers) headers[name] = string.Join(",", values);
            body = await request.Content.ReadAsByteArrayAsync(cancellationToken);
        }
        var seen = new Seen(request.Method.Method, request.RequestUri!.PathAndQuery, headers, body);
        lock (Requests) Requests.Add(seen);
        var response = Respond(seen);
        response.RequestMessage = request;
        return response;
    }

    public static HttpResponseMessage Status(HttpStatusCode code) => new(code) { Content = new ByteArrayContent([]) };
}
