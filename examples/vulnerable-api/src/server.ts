import express from 'express';
import usersRouter from './routes/users';

const app = express();
app.use(express.json({ limit: '100kb' }));

// Public by design: load balancer health check.
app.get('/health', (_req, res) => {
  res.json({ status: 'ok' });
});

app.use('/users', usersRouter);

const port = Number(process.env.PORT ?? 3001);
app.listen(port, () => {
  console.log(`listening on ${port}`);
});
