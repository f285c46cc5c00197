using System.Text.Json;
using Berth.Core.Errors;
using Berth.Engine.Distribution;
using Berth.Engine.Distribution.Progress;
using Berth.EngineApi.Models;
using Berth.EngineApi.Serialization;
using Berth.EngineApi.Streams;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Berth.Daemon.Routes;

/// <summary>
/// Pull (POST /images/create?fromImage=), push (POST /images/{name}/push) and docker login's
/// POST /auth. Pull and push answer with docker's JSON progress stream; as with dockerd, an error
/// before the first line is an HTTP error, an error after it is the stream's last line.
/// </summary>
internal static class DistributionRoutes
{
    public static void Map(WebApplication app) => app.MapPost("/auth", Login);

    public static Task PullAsync(HttpContext context)
    {
        var request = new PullRequest(context.Query("fromImage") ?? "", context.Query("tag"), context.Query("platform"), RegistryAuthHeader.Read(context));
        return StreamAsync(context, (sink, ct) => context.Service<IDistributionBackend>().PullAsync(request, sink, ct));
    }

    public static Task PushAsync(HttpContext context, string name)
    {
        var request = new PushRequest(name, context.Query("tag"), RegistryAuthHeader.Read(context));
        return StreamAsync(context, (sink, ct) => context.Service<IDistributionBackend>().PushAsync(request, sink, ct));
    }

    private static async Task Login(HttpContext context)
    {
        var config = await JsonSerializer.DeserializeAsync(context.Request.Body, EngineJson.Context.AuthConfig, context.RequestAborted)
            ?? throw new InvalidParameterException("request body is null");
        await context.Service<IDistributionBackend>().LoginAsync(RegistryAuthHeader.ToCredentials(config), context.RequestAborted);
        context.Response.ContentType = "application/json";
        // dockerd always sends IdentityToken, empty when the registry gave none.
        await JsonSerializer.SerializeAsync(context.Response.Body, new AuthResponse { Status = "Login Succeeded", IdentityToken = "" }, EngineJson.Context.AuthResponse, context.RequestAborted);
        await context.Response.WriteAsync("\n", context.RequestAborted);
    }

    private static async Task StreamAsync(HttpContext context, Func<IProgressSink, CancellationToken, Task> operation)
    {
        var sink = new ResponseSink(context.Response);
        try
        {
            await operation(sink, context.RequestAborted);
        }
        catch (Exception e) when (sink.Started && !context.RequestAborted.IsCancellationRequested)
        {
            var message = Hosting.ErrorMiddleware.ClientMessage(context, e);
            await JsonMessageStream.WriteAsync(context.Response.Body,
                new JsonMessage { ErrorDetail = new JsonError { Message = message }, Error = message }, context.RequestAborted);
        }
    }

    /// <summary>Starts the 200 response with the first line; renders updates as dockerd's JSON messages.</summary>
    private sealed class ResponseSink(HttpResponse response) : IProgressSink
    {
        public bool Started { get; private set; }

        public async ValueTask ReportAsync(ProgressUpdate update, CancellationToken cancellationToken)
        {
            if (!Started)
            {
                response.StatusCode = 200;
                response.ContentType = "application/json";
                Started = true;
            }
            await JsonMessageStream.WriteAsync(response.Body, ProgressRendering.ToMessage(update), cancellationToken);
        }
    }
}
