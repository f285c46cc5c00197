using System.Text.Json;
using Berth.Core.Errors;
using Berth.EngineApi.Models;
using Berth.EngineApi.Serialization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Berth.Daemon.Hosting;

/// <summary>
/// Turns failures into docker's error responses, {"message": "..."} with the status
/// <see cref="HttpStatus"/> gives their kind. A request can fail; the daemon never does.
/// </summary>
public static class ErrorMiddleware
{
    public static async Task Middleware(HttpContext context, RequestDelegate next)
    {
        try
        {
            await next(context);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away; nothing to answer.
        }
        catch (Exception e)
        {
            var (status, message) = Describe(context, e);
            var logger = context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("berthd.api");
            // The log keeps the full text (host paths included); the client gets ClientMessage's.
            if (status >= 500) logger.LogError(e, "{Method} {Path} failed", context.Request.Method, context.Request.Path);
            else logger.LogDebug("{Method} {Path}: {Status} {Message}", context.Request.Method, context.Request.Path, status, e.Message);
            if (context.Response.HasStarted)
            {
                context.Abort();
                return;
            }
            await WriteErrorAsync(context, status, message);
        }
    }

    /// <summary>Status and client-facing message of a failure: docker's code, no host paths of the roots.</summary>
    public static (int Status, string Message) Describe(HttpContext context, Exception e)
    {
        var (status, message) = HttpStatus.Of(e);
        return (status, ClientErrorText.Scrub(message, context.RequestServices.GetService<Berth.Engine.EngineOptions>()));
    }

    /// <summary>The client-facing text of a failure reported inside a started response (pull's JSON stream).</summary>
    public static string ClientMessage(HttpContext context, Exception e) => Describe(context, e).Message;

    public static async Task WriteErrorAsync(HttpContext context, int status, string message)
    {
        context.Response.Clear();
        context.Response.StatusCode = status;
        if (status == 304) return;
        context.Response.ContentType = "application/json";
        await JsonSerializer.SerializeAsync(context.Response.Body, new ErrorResponse { Message = message }, EngineJson.Context.ErrorResponse);
        await context.Response.Body.WriteAsync("\n"u8.ToArray());
    }
}
