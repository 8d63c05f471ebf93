// A minimal Node.js custom runtime, the counterpart of the Go bootstrap in
// the cold-start comparison. With aws-sdk v2 installed (NODE_PATH) it loads
// the SDK at init and creates the user through the Cognito stub, as a Node.js
// function of that SDK's era did; without it, it measures Node itself: a floor.
'use strict';
const http = require('http');

let sdk = 'none';
let cognito;
try {
  const AWS = require('aws-sdk');
  sdk = 'aws-sdk ' + AWS.VERSION;
  cognito = new AWS.CognitoIdentityServiceProvider({
    endpoint: process.env.AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER,
  });
} catch (e) {
  if (e.code !== 'MODULE_NOT_FOUND') throw e;
}

const base = `http://${process.env.AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime/invocation/`;

function reply(id, statusCode) {
  const req = http.request(base + id + '/response', { method: 'POST', headers: { 'Content-Type': 'application/json' } });
  req.end(JSON.stringify({ statusCode, body: JSON.stringify({ sdk }) }));
}

http.get(base + 'next', (res) => {
  const id = res.headers['lambda-runtime-aws-request-id'];
  let data = '';
  res.on('data', (c) => { data += c; });
  res.on('end', () => {
    if (!cognito) return reply(id, 201);
    const email = JSON.parse(JSON.parse(data).body).email;
    cognito.adminCreateUser({
      UserPoolId: process.env.USER_POOL_ID,
      Username: email,
      DesiredDeliveryMediums: ['EMAIL'],
      MessageAction: 'SUPPRESS',
      UserAttributes: [{ Name: 'email', Value: email }, { Name: 'email_verified', Value: 'true' }],
    }, (err) => reply(id, err ? 502 : 201));
  });
});
